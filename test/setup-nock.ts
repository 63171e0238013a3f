import nock from 'nock';

beforeAll(() => {
  nock.disableNetConnect();
  // Tests talk to servers they start themselves on loopback (supertest, the demo FHIR server).
  nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => {
  // nock patches node:http for the whole worker: restore so the next test file starts clean.
  nock.enableNetConnect();
  nock.restore();
});
