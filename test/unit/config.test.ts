import { apiConfig, resetConfigForTests, workerConfig } from '../../functions/src/config';

afterEach(() => resetConfigForTests());

describe('configuration from the environment', () => {
  it('names the missing variable when the api has no OAuth client', () => {
    expect(() => apiConfig({ REELGUARD_MODE: 'production' })).toThrow(/OAUTH_CLIENT_ID/);
  });

  it('refuses a worker lease that could run out during the Veo start call', () => {
    expect(() => workerConfig({ WORKER_LEASE_MS: '60000', VEO_START_TIMEOUT_MS: '60000' })).toThrow(/WORKER_LEASE_MS must exceed VEO_START_TIMEOUT_MS/);
    expect(workerConfig({ WORKER_LEASE_MS: '61000', VEO_START_TIMEOUT_MS: '60000' }).WORKER_LEASE_MS).toBe(61_000);
  });

  it('parses default limits from USD and names a malformed amount', () => {
    const config = apiConfig({ OAUTH_CLIENT_ID: 'id', OAUTH_CLIENT_SECRET: 'secret', DEFAULT_MONTHLY_CAP_USD: '25.50' });
    expect(config.defaultLimits.monthlyCapMicros).toBe(25_500_000);
    expect(config.adminEmails).toEqual([]);
    resetConfigForTests();
    expect(() => apiConfig({ OAUTH_CLIENT_ID: 'id', OAUTH_CLIENT_SECRET: 's', DEFAULT_MONTHLY_CAP_USD: 'ten' })).toThrow(/DEFAULT_MONTHLY_CAP_USD/);
  });
});
