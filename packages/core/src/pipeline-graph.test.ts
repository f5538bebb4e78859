import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.js';
import { Pipeline } from './pipeline.js';
import { BaseStage, type StageContext, type StageStats } from './stage.js';

class Named extends BaseStage {
  constructor(
    readonly name: string,
    readonly dependencies: readonly string[] = [],
  ) {
    super();
  }
  run(_ctx: StageContext): Promise<StageStats> {
    throw new Error('not run in graph tests');
  }
}

describe('Pipeline graph checks (before anything runs)', () => {
  it('orders stages by dependency whatever order they are given in', () => {
    const stages = [
      new Named('merge', ['correction', 'label']),
      new Named('label', ['ocr']),
      new Named('correction', ['ocr']),
      new Named('ocr', ['source']),
      new Named('source'),
    ];
    const order = Pipeline.checkGraph(stages);
    const names = [...order.keys()];
    expect(names).toHaveLength(5);
    const pipelineOrder = new Pipeline({ scan: undefined as never, stages }).order;
    expect(pipelineOrder.indexOf('source')).toBeLessThan(pipelineOrder.indexOf('ocr'));
    expect(pipelineOrder.indexOf('ocr')).toBeLessThan(pipelineOrder.indexOf('label'));
    expect(pipelineOrder.indexOf('label')).toBeLessThan(pipelineOrder.indexOf('merge'));
    expect(pipelineOrder.indexOf('correction')).toBeLessThan(pipelineOrder.indexOf('merge'));
  });

  it('refuses a duplicate name', () => {
    expect(() => Pipeline.checkGraph([new Named('ocr'), new Named('ocr')])).toThrowError(
      expect.objectContaining({ code: ErrorCode.GRAPH_INVALID, message: expect.stringContaining('Two stages are named "ocr"') }),
    );
  });

  it('refuses a cycle and names its stages', () => {
    expect(() => Pipeline.checkGraph([new Named('a', ['c']), new Named('b', ['a']), new Named('c', ['b']), new Named('d')])).toThrowError(
      expect.objectContaining({ code: ErrorCode.GRAPH_INVALID, message: expect.stringMatching(/"a", "b", "c".*cycle/) }),
    );
  });

  it('refuses a name that is not a plain folder name', () => {
    expect(() => Pipeline.checkGraph([new Named('../ocr')])).toThrowError(expect.objectContaining({ code: ErrorCode.GRAPH_INVALID }));
  });
});
