import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimServer } from '../../src/sim/server.js';
import { simCreds, startTestSim } from '../helpers/sim.js';

/**
 * The official `africastalking` SDK, unmodified, against our simulator: it builds axios instances with a
 * fixed base URL, so the SDK's own copy of axios is wrapped to point every instance at the simulator
 * (africastalking.md → Testing with the official Node SDK). The requests stay exactly the SDK's.
 */
const require = createRequire(import.meta.url);

/** The parts of the untyped SDK and of its answers this test uses. */
interface SendAnswer {
  numSent: number;
  errorMessage: string;
  responses: { phoneNumber: string; status: string; amount: string; requestId: string }[];
}
interface FindAnswer {
  status: string;
  data: { transactionId: string };
}
interface Sdk {
  AIRTIME: { send(options: unknown): Promise<SendAnswer>; findTransactionStatus(id: string): Promise<FindAnswer> };
  APPLICATION: { fetchApplicationData(): Promise<{ UserData: { balance: string } }> };
}
type AxiosLike = { create: (config: Record<string, unknown>) => unknown };

describe("official Africa's Talking SDK against the simulator", () => {
  let sim: RunningSimServer;
  let sdk: Sdk;

  beforeAll(async () => {
    sim = await startTestSim();
    const sdkDir = dirname(require.resolve('africastalking/package.json'));
    const axios = require(require.resolve('axios', { paths: [sdkDir] })) as AxiosLike;
    const create = axios.create.bind(axios);
    axios.create = (config: Record<string, unknown>) => create({ ...config, baseURL: sim.url });
    const AfricasTalking = require('africastalking') as (options: { username: string; apiKey: string }) => Sdk;
    sdk = AfricasTalking({ username: simCreds.at.username, apiKey: simCreds.at.apiKey });
  });
  afterAll(async () => sim.close());

  it('sends airtime, finds the transaction and reads the balance', async () => {
    const sent = await sdk.AIRTIME.send({ recipients: [{ phoneNumber: '+254711000100', currencyCode: 'KES', amount: 100 }], idempotencyKey: 'sdk-key-1' });
    expect(sent.numSent).toBe(1);
    expect(sent.errorMessage).toBe('None');
    const response = sent.responses[0];
    if (!response) throw new Error('the SDK returned no response');
    expect(response).toMatchObject({ phoneNumber: '+254711000100', status: 'Sent', amount: 'KES 100.0000' });
    expect(response.requestId).toMatch(/^ATQid_/);

    const found = await sdk.AIRTIME.findTransactionStatus(response.requestId);
    expect(found.status).toBe('Success');
    expect(found.data.transactionId).toBe(response.requestId);

    const app = await sdk.APPLICATION.fetchApplicationData();
    expect(app.UserData.balance).toMatch(/^KES \d+\.\d{2}$/);
  });

  it('is one transfer for the same Idempotency-Key', async () => {
    const options = { recipients: [{ phoneNumber: '+254711000200', currencyCode: 'KES', amount: 50 }], idempotencyKey: 'sdk-key-2' };
    const first = await sdk.AIRTIME.send(options);
    const second = await sdk.AIRTIME.send(options);
    expect(second.responses[0]?.requestId).toBe(first.responses[0]?.requestId);
  });

  it('rejects a wrong API key with 401', async () => {
    const AfricasTalking = require('africastalking') as (options: { username: string; apiKey: string }) => Sdk;
    const wrong = AfricasTalking({ username: simCreds.at.username, apiKey: 'wrong' });
    await expect(wrong.AIRTIME.send({ recipients: [{ phoneNumber: '+254711000100', currencyCode: 'KES', amount: 100 }] })).rejects.toMatchObject({
      response: { status: 401 },
    });
  });
});
