/** Longest key in bytes (memcached's KEY_MAX_LENGTH). */
export const KEY_MAX_LENGTH = 250;
/** Without a newline in this many buffered bytes, memcached closes a connection unless it is a get/gets. */
export const LINE_LIMIT_NO_NEWLINE = 2048;
/** memcached's read buffer: a non-get line longer than this never fits, and the connection is closed. */
export const READ_BUFFER_SIZE = 16384;
/** A multi-get line may be long, but not unbounded (memcached keeps growing its buffer; we stop here). */
export const MAX_GET_LINE = 1024 * 1024;
/** Returned by request handlers: the request is incomplete, wait for more bytes. */
export const NEED_MORE = -1;
/** Returned by request handlers: close the connection after writing what was gathered. */
export const CLOSE = -2;
