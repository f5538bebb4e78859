import { parseStageFile, STAGE_FILE, type StageFile, stageFileText } from '@bookpipe/storage';
import type { ObjectStore } from './object-store.js';

/**
 * Every stage's `stage.json` (page format and the files the stage wrote), read once when the scan is
 * opened and kept current by this process's writes: `scan.stage(name)` and `pagePath()` are synchronous,
 * so the format must be known without a request. The scan lock keeps other writers out meanwhile.
 */
export class StageRecords {
  readonly #store: ObjectStore;
  readonly #scanKey: string;
  readonly #scanId: string;
  readonly #records = new Map<string, StageFile>();
  /** One write of a stage's record at a time, so two concurrent `writeFile`s both land in it. */
  readonly #writing = new Map<string, Promise<unknown>>();

  constructor(store: ObjectStore, scanKey: string, scanId: string) {
    this.#store = store;
    this.#scanKey = scanKey;
    this.#scanId = scanId;
  }

  /** Reads the `stage.json` of each of `stages`; one that is missing or unreadable counts as none. */
  async load(stages: readonly string[]): Promise<void> {
    await Promise.all(
      stages.map(async (stage) => {
        const text = await this.#store.getText(this.#key(stage), { scanId: this.#scanId, stage });
        let record: StageFile | undefined;
        try {
          record = text === undefined ? undefined : parseStageFile(text);
        } catch {
          record = undefined; // not JSON: the stage's next write records it again
        }
        if (record) this.#records.set(stage, record);
      }),
    );
  }

  get(stage: string): StageFile | undefined {
    return this.#records.get(stage);
  }

  /** Adds `update` to the stage's record and writes it, unless it already says so. */
  async record(stage: string, update: StageFile): Promise<void> {
    const run = async () => {
      const current = this.#records.get(stage);
      const files = update.files?.filter((f) => !current?.files?.includes(f)) ?? [];
      const formatNew = update.pageFormat !== undefined && current?.pageFormat !== update.pageFormat;
      if (!formatNew && files.length === 0) return;
      const next: StageFile = { ...current, ...(update.pageFormat ? { pageFormat: update.pageFormat } : {}), files: [...(current?.files ?? []), ...files] };
      if (next.files?.length === 0) delete next.files;
      const text = stageFileText(current, next);
      await this.#store.put(this.#key(stage), text, { scanId: this.#scanId, stage });
      this.#records.set(stage, JSON.parse(text) as StageFile);
    };
    const previous = this.#writing.get(stage) ?? Promise.resolve();
    const mine = previous.then(run, run);
    this.#writing.set(stage, mine);
    return mine;
  }

  /** Forgets the stage's record (its `stage.json` was removed by a clean). */
  forget(stage: string): void {
    this.#records.delete(stage);
  }

  #key(stage: string): string {
    return `${this.#scanKey}${stage}/${STAGE_FILE}`;
  }
}
