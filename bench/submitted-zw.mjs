// The zw transfers a run of webhooks speaks of, journaled as sent (submitted) through the zw account the
// listener serves: what the callback ingest figures (run.mjs, journal-growth.mjs) are measured against.
export async function journalSubmittedZw(journal, makeAccount, count) {
  const account = makeAccount('zw', 'default', '(no base URL)', null);
  await journal.ensureAccount(account);
  const ids = await journal.atomically(async (inner) => {
    const created = [];
    for (let index = 0; index < count; index += 1) {
      const { transfer } = await inner.createTransfer({
        account: account.id,
        reference: `cb-${index}`,
        provider: 'zw',
        profile: 'default',
        phone: '+263772279099',
        amountMinor: 100,
        currency: 'USD',
      });
      created.push(transfer.id);
    }
    return created;
  });
  const chunks = [];
  for (let index = 0; index < ids.length; index += 1000) chunks.push({ ids: ids.slice(index, index + 1000) });
  await journal.claim(chunks, 'bench', () => null);
  await journal.observeMany(ids.map((id) => ({ id, observation: { kind: 'send', cause: 'answer', status: 'submitted' } })));
}
