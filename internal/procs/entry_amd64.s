#include "textflag.h"

// entry is the ELF entry point of a binary linked with
// -E github.com/nsnet/nsnet/internal/procs.entry. The kernel starts it
// with SP at argc, followed by argv[0..argc-1], a NULL, envp[...], a NULL
// and the auxiliary vector; the runtime's entry point reads that layout
// from SP. When no envp string starts with "GOMAXPROCS=", entry moves
// argc, argv and argv's NULL one word down the stack, stores a pointer to
// "GOMAXPROCS=1" in the word that frees before envp[0], and sets
// ·inserted. Then it jumps to the runtime's entry point.
TEXT ·entry(SB), NOSPLIT|NOFRAME, $0
	MOVQ	0(SP), AX             // argc
	LEAQ	16(SP)(AX*8), BX      // &envp[0]

scan:
	MOVQ	0(BX), SI             // envp[i]
	TESTQ	SI, SI
	JZ	insert                // the end of envp: not set
	LEAQ	·one(SB), DI
	MOVQ	$11, CX               // len("GOMAXPROCS=")

cmp:
	MOVB	0(SI), DX             // a NUL differs from every prefix byte
	CMPB	DX, 0(DI)
	JNE	next
	INCQ	SI
	INCQ	DI
	DECQ	CX
	JNZ	cmp
	JMP	start                 // GOMAXPROCS is set: the caller's value stays

next:
	ADDQ	$8, BX
	JMP	scan

insert:
	LEAQ	2(AX), CX             // words to move: argc, argv[0..argc-1], NULL
	MOVQ	SP, SI
	SUBQ	$8, SP
	MOVQ	SP, DI

move:
	MOVQ	0(SI), DX             // ascending: each word lands on one already read
	MOVQ	DX, 0(DI)
	ADDQ	$8, SI
	ADDQ	$8, DI
	DECQ	CX
	JNZ	move
	LEAQ	·one(SB), DX
	MOVQ	DX, 0(DI)             // the old NULL's word, now envp[0]
	MOVB	$1, ·inserted(SB)

start:
	JMP	_rt0_amd64_linux(SB)
