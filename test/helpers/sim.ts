import { startSimServer, type RunningSimServer, type SimServerOptions } from '../../src/sim/server.js';

export const simCreds = {
  at: { username: 'sandbox', apiKey: 'at-test-key-123456' },
  lipad: { consumerKey: 'lipad-test-key', consumerSecret: 'lipad-test-secret-123456' },
  zw: { apiKey: 'atk_test_123456', webhookSecret: 'zw-test-webhook-secret', campaignSecret: 'zw-test-campaign-secret' },
};

/** A simulator server on 127.0.0.1, port 0, with known credentials. */
export function startTestSim(options: SimServerOptions = {}): Promise<RunningSimServer> {
  return startSimServer({ credentials: simCreds, settleMs: 100, ...options });
}

/** The environment that points the CLI's adapters at a simulator. */
export function simEnv(url: string): Record<string, string> {
  return {
    AT_BASE_URL: url,
    AT_USERNAME: simCreds.at.username,
    AT_API_KEY: simCreds.at.apiKey,
    LIPAD_BASE_URL: url,
    LIPAD_CONSUMER_KEY: simCreds.lipad.consumerKey,
    LIPAD_CONSUMER_SECRET: simCreds.lipad.consumerSecret,
    ZW_BASE_URL: url,
    ZW_API_KEY: simCreds.zw.apiKey,
    ZW_WEBHOOK_SECRET: simCreds.zw.webhookSecret,
    ZW_CAMPAIGN_SECRET: simCreds.zw.campaignSecret,
  };
}
