#include "textflag.h"

// func reserve()
// A 24 KB frame, never written: the assembler's stack-check prologue
// grows the stack, and the frame's pages are left untouched.
TEXT ·reserve(SB), $24576-0
	RET
