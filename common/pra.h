#ifndef COMMON_PRA_H
#define COMMON_PRA_H
#endif
