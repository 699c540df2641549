// Shared-memory layout of the store. Every structure lives in a SharedArrayBuffer so that
// several worker_threads can attach to the same store by receiving the buffers.
//
// An item is addressed by a "ref": its byte offset in the memory buffer divided by 8 (chunks are
// 8-byte aligned), so an int32 ref reaches 16 GiB and -1 means "none".

/** Bytes of item header in front of the key. */
export const ITEM_HEADER_BYTES = 48;

// Int32 slots of the item header (index = ref * 2 + slot).
export const H_NEXT = 0; // next item in the hash chain, or next free chunk
export const LRU_PREV = 1;
export const LRU_NEXT = 2;
export const REFS = 3; // references: 1 while linked in the hash table + 1 per outstanding view
export const FLAGS = 4; // client flags, read back with >>> 0
export const EXPTIME = 5; // absolute unix seconds, 0 = never
export const ATIME = 6; // unix seconds of the last store or fetch
export const VLEN = 7; // value bytes, without the trailing \r\n the chunk also holds
export const META = 8; // key length (bits 0-7), slab class (8-15), item flags (16-)
export const HASH = 9; // hash of the key, checked before comparing key bytes
/** BigInt64 slot of the CAS unique (index = ref + CAS_SLOT): bytes 40..47 of the header. */
export const CAS_SLOT = 5;

// Item flags in META. META is only written while holding the item's stripe lock, or before the
// item is reachable by any other thread.
export const IF_LINKED = 1 << 16;
export const IF_FETCHED = 1 << 17;
export const IF_ACTIVE = 1 << 18; // fetched again since it was last considered for eviction
export const IF_STALE = 1 << 19; // meta "I" invalidation
export const IF_WIN_SENT = 1 << 20; // a meta client was told it won the right to recache

export const NKEY_MASK = 0xff;
export const CLASS_SHIFT = 8;
export const CLASS_MASK = 0xff;

// Int32 slots of the control array.
export const CTL_GLOBAL_LOCK = 0; // slab free lists, page assignment and LRU lists
export const CTL_NEXT_PAGE = 1;
export const CTL_OLDEST_LIVE = 2; // flush_all: items with ATIME <= this are dead once it has passed
export const CTL_VERBOSITY = 3;
export const CTL_ADMIN_SETTINGS = 4; // admin settings (see ADMIN_SETTINGS in store.ts), one slot each, up to 15
export const CTL_STRIPES_BASE = 16; // item locks start here

// Int32 slots per slab class.
export const CLS_STRIDE = 8;
export const CLS_CHUNK = 0;
export const CLS_FREE_HEAD = 1;
export const CLS_LRU_HEAD = 2;
export const CLS_LRU_TAIL = 3;
export const CLS_PAGES = 4;
export const CLS_USED = 5;
export const CLS_FREE_COUNT = 6;
export const CLS_ITEMS = 7; // items in this class's LRU

export const NONE = -1;
