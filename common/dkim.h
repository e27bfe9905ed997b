#ifndef COMMON_DKIM_H
#define COMMON_DKIM_H
#endif
