/**
 * The "authentication refused" log line names the route pattern, never the
 * path as sent nor its query: both are chosen by the caller and can carry a
 * patient's name or id.
 */
import request from 'supertest';
import { createLogger } from '../../src/logger.js';
import {
  ISS_STATIC,
  LogCapture,
  jwksOf,
  mint,
  newSigner,
  secureService,
  writeClientsFile,
} from './helpers.js';

test('a refused call to a path and query carrying a name is logged with the route pattern only', async () => {
  const signer = await newSigner('ES384');
  const stranger = await newSigner('ES384', signer.kid);
  const clientsFile = writeClientsFile([{ iss: ISS_STATIC, jwks: jwksOf(signer), fhirServers: [] }]);
  const logs = new LogCapture();
  const { app } = secureService(clientsFile, {}, createLogger('info', logs));
  const token = await mint(stranger); // right kid, wrong key: signature invalid
  await request(app)
    .post('/cds-services/Linda-Halvorsen-1958?patient=Halvorsen&mrn=778899')
    .set('Authorization', `Bearer ${token}`)
    .send({})
    .expect(401);
  await request(app)
    .get('/cds-services?patient=Halvorsen&mrn=778899')
    .set('Authorization', 'Bearer not-a-jwt')
    .expect(401);

  const refusals = logs.records().filter((r) => r.msg === 'authentication refused');
  expect(refusals.map((r) => [r.route, (r.auth as { reason: string }).reason])).toEqual([
    ['/cds-services/:id', 'signature invalid'],
    ['/cds-services', 'malformed token'],
  ]);
  for (const r of refusals) expect(r).not.toHaveProperty('path');
  for (const secret of ['Halvorsen', 'Linda', '778899', 'mrn=']) expect(logs.text).not.toContain(secret);
});
