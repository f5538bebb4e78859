// @bookpipe/llm-batch/testing: tools for testing code that uses the batch client, without a network.
export {
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
  type FakeReply,
  type FakeRequest,
  type FakeResponder,
  type FakeUsage,
} from './fake-provider.js';
export { exampleFromSchema } from './example-from-schema.js';
export { createVirtualClock, type VirtualClock } from './virtual-clock.js';
