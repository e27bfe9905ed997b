#ifndef COMMON_SPF_H
#define COMMON_SPF_H
#endif
