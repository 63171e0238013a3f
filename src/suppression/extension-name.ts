/**
 * The member name of the suppression extension in CDS Hooks requests and
 * responses, in a module of its own so that the EHR simulator page can use
 * it without the server's code.
 */
export const SUPPRESSION_EXTENSION = 'rls-cds-hooks.suppression';
