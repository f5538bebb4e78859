// The batch journal alone (`@bookpipe/book-pipeline/batch-journal`): `bookpipe status` lists batches in flight
// without loading the LLM client and its provider SDKs, which the package's main entry brings.
export { BATCH_JOURNAL_FILE, type BatchJournal, type BatchJournalEntry, readBatchJournal } from '@bookpipe/kit/batch-journal';
