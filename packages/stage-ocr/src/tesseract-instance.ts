import type { Worker as ThreadWorker } from 'node:worker_threads';
import Tesseract from 'tesseract.js';

export interface TesseractInstanceOptions {
  /** What this instance is for, in error messages: "OCR (eng)", "orientation detection". */
  purpose: string;
  languages: string;
  oem: Tesseract.OEM;
  /** Folder holding `<code>.traineddata.gz`. */
  langPath: string;
  /** Needed for the legacy engine (OSD); the LSTM engine runs on the smaller core. */
  legacy: boolean;
  params: Record<string, string>;
  timeoutMs: number;
}

/**
 * One tesseract.js worker (it runs in its own thread, with its own WebAssembly memory), watched:
 * start-up errors and a start-up that never finishes become errors, and a job whose thread dies rejects
 * instead of waiting forever.
 */
export class TesseractInstance {
  readonly #worker: Tesseract.Worker;
  readonly #died: Promise<never>;
  #dead: Error | undefined;

  private constructor(worker: Tesseract.Worker, purpose: string) {
    this.#worker = worker;
    let reject!: (e: Error) => void;
    this.#died = new Promise<never>((_, r) => (reject = r));
    this.#died.catch(() => {}); // Observed by `run`; never an unhandled rejection.
    // tesseract.js keeps its thread on the worker object without typing it.
    const thread = (worker as unknown as { worker?: ThreadWorker }).worker;
    const die = (error: Error) => {
      this.#dead ??= error;
      reject(this.#dead);
    };
    thread?.on('error', (e: Error) => die(new Error(`tesseract.js thread for ${purpose} crashed: ${e.message}`)));
    thread?.on('exit', (code: number) => die(new Error(`tesseract.js thread for ${purpose} exited (code ${code})`)));
  }

  /**
   * Starts a tesseract.js worker offline: data from `langPath` only, no cache read or written (with the
   * default cache, tesseract.js writes `<lang>.traineddata` into the working directory and later
   * prefers it over `langPath`).
   * @throws Error when tesseract.js reports an error or has not started within `timeoutMs`.
   */
  static async create(o: TesseractInstanceOptions): Promise<TesseractInstance> {
    let started = false;
    let rejectFailure!: (e: Error) => void;
    const failure = new Promise<never>((_, r) => (rejectFailure = r));
    // A bad langPath can leave createWorker neither resolving nor rejecting; its errors reach only
    // errorHandler. After start-up, job errors also come here, and reject their own job: ignore them.
    const errorHandler = (e: unknown) => {
      if (!started) rejectFailure(new Error(`tesseract.js could not start for ${o.purpose} (data from ${o.langPath}): ${String(e)}`));
    };
    const creating = Tesseract.createWorker(o.languages, o.oem, {
      langPath: o.langPath,
      cacheMethod: 'none',
      gzip: true,
      legacyCore: o.legacy,
      legacyLang: o.legacy,
      errorHandler,
      logger: () => {},
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, r) => {
      timer = setTimeout(() => r(new Error(`tesseract.js did not start for ${o.purpose} within ${o.timeoutMs} ms (data from ${o.langPath})`)), o.timeoutMs);
    });
    let worker: Tesseract.Worker;
    try {
      worker = await Promise.race([creating, failure, timeout]);
    } catch (error) {
      // If it starts after all, stop it rather than leak a thread.
      creating.then((w) => w.terminate()).catch(() => {});
      throw error;
    } finally {
      started = true;
      clearTimeout(timer);
    }
    const instance = new TesseractInstance(worker, o.purpose);
    await instance.run((w) => w.setParameters(o.params));
    return instance;
  }

  /** Runs a job on the worker; rejects if the worker's thread dies meanwhile. */
  async run<T>(job: (worker: Tesseract.Worker) => Promise<T>): Promise<T> {
    if (this.#dead) throw this.#dead;
    return Promise.race([job(this.#worker), this.#died]);
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  async terminate(): Promise<void> {
    this.#dead ??= new Error('terminated');
    await this.#worker.terminate().catch(() => {});
  }
}
