/**
 * How long a closing connection may take to flush the answers already written to it before it is
 * reset: a client that stopped reading must not hold a shutdown up.
 */
export const SHUTDOWN_MS = 1000;
