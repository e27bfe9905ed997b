/* msg: to be written */
#include "config.h"
#include "common/msg.h"
extern int msg_stub_;
