#include "textflag.h"

// entry is the ELF entry point of a binary linked with
// -E github.com/nsnet/nsnet/internal/procs.entry: entry_amd64.s's, for
// arm64. The stack pointer must stay 16-byte aligned, so argc, argv and
// argv's NULL move two words down the stack, and both freed words before
// envp[0] point to "GOMAXPROCS=1": the runtime reads the first, and the
// syscall package drops the second as a duplicate key.
TEXT ·entry(SB), NOSPLIT|NOFRAME, $0
	MOVD	0(RSP), R0            // argc
	ADD	R0<<3, RSP, R2
	ADD	$16, R2, R2           // &envp[0]

scan:
	MOVD	(R2), R4              // envp[i]
	CBZ	R4, insert            // the end of envp: not set
	MOVD	$·one(SB), R5
	MOVD	$11, R6               // len("GOMAXPROCS=")

cmp:
	MOVBU	(R4), R7              // a NUL differs from every prefix byte
	MOVBU	(R5), R8
	CMP	R7, R8
	BNE	next
	ADD	$1, R4
	ADD	$1, R5
	SUB	$1, R6
	CBNZ	R6, cmp
	B	start                 // GOMAXPROCS is set: the caller's value stays

next:
	ADD	$8, R2
	B	scan

insert:
	ADD	$2, R0, R3            // words to move: argc, argv[0..argc-1], NULL
	MOVD	RSP, R1
	SUB	$16, R1, R2
	MOVD	R2, RSP

move:
	MOVD	(R1), R4              // ascending: each word lands on one already read
	MOVD	R4, (R2)
	ADD	$8, R1
	ADD	$8, R2
	SUB	$1, R3
	CBNZ	R3, move
	MOVD	$·one(SB), R4
	MOVD	R4, (R2)              // the two freed words, now envp[0] and envp[1]
	MOVD	R4, 8(R2)
	MOVD	$1, R4
	MOVB	R4, ·inserted(SB)

start:
	B	_rt0_arm64_linux(SB)
