// The fake provider for the benchmark, in its own process so that its CPU time is not counted
// as the client's (process.cpuUsage() counts every thread of a process, workers included).
import { startFakeProvider } from '@bookpipe/llm-batch/testing';

const latencyMs = Number(process.argv[2] ?? 50);
const fake = await startFakeProvider({ latencyMs, record: false });
process.send?.({ url: fake.url, openaiBaseURL: fake.openaiBaseURL, anthropicBaseURL: fake.anthropicBaseURL });
process.on('message', async (message) => {
  if (message === 'close') {
    await fake.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
