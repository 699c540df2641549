// The io_uring engine's ring (ixring.c): its functions are added to the addon's exports.
#ifndef IXRING_H
#define IXRING_H
#include <node_api.h>

void ixring_register(napi_env env, napi_value exports);

#endif
