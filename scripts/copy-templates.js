/**
 * Copies the card templates (src/knowledge/card-templates/*.yaml) into
 * dist/knowledge/card-templates/, where the compiled loader looks for them:
 * the loader finds its templates beside itself, from src/ and from dist/ alike.
 * `npm run build` and the system tests' global set-up run it.
 */
import { cpSync, rmSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const FROM = fileURLToPath(new URL('../src/knowledge/card-templates/', import.meta.url));
const TO = fileURLToPath(new URL('../dist/knowledge/card-templates/', import.meta.url));

/** Replaces dist's copy of the templates with the current ones. */
export function copyTemplates() {
  rmSync(TO, { recursive: true, force: true });
  cpSync(FROM, TO, { recursive: true, filter: (path) => !path.includes('/.') });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) copyTemplates();
