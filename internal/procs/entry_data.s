//go:build amd64 || arm64

#include "textflag.h"

// one is the string entry adds to the environment, NUL-terminated; its
// first 11 bytes are the prefix entry looks for.
DATA ·one+0(SB)/8, $"GOMAXPRO"
DATA ·one+8(SB)/5, $"CS=1\x00"
GLOBL ·one(SB), RODATA|NOPTR, $16
