// @bookpipe/llm-batch/testing: tools for testing code that uses the batch client, without a network.

export { exampleFromSchema } from './example-from-schema.js';
export type { FakeBatch, FakeBatchOptions } from './fake-batches.js';
export {
  type FakeProvider,
  type FakeProviderOptions,
  type FakeReply,
  type FakeRequest,
  type FakeResponder,
  type FakeUsage,
  startFakeProvider,
} from './fake-provider.js';
export { createVirtualClock, type VirtualClock } from './virtual-clock.js';
