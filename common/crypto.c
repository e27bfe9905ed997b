/* crypto: to be written */
#include "config.h"
#include "common/crypto.h"
extern int crypto_stub_;
