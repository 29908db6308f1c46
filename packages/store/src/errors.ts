import { DscsCodedError } from '@dscs/interface'

/** Stable codes of {@link StoreError}. */
export type StoreErrorCode =
  /** The store was used after close(). */
  | 'STORE_CLOSED'
  /** The database could not be opened (locked by another process, unreadable, corrupt). */
  | 'STORE_OPEN_FAILED'
  /** A read or write failed in the database. */
  | 'STORE_IO'

export class StoreError extends DscsCodedError<StoreErrorCode> {}
