#ifndef GATEWAY_CHIREDIS_SHIM_H
#define GATEWAY_CHIREDIS_SHIM_H

// libhiredis (Debian libhiredis-dev) as a RESP codec only: redisFormatCommandArgv and the redisReader API.
// The blocking redisContext API must never run on an event loop.
#include <hiredis/hiredis.h>

#endif
