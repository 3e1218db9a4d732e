package nsfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Command is a program for Run: what os/exec's Cmd holds for starting
// one, without linking os/exec into the binary.
type Command struct {
	// Path is the program to start; when empty, or a bare name, Args[0]
	// is looked up in PATH as a shell would.
	Path string
	// Args are the command's arguments, the program's name first.
	Args []string
	// Env is the command's environment; nil means the caller's.
	Env []string
	// Stdin, Stdout and Stderr are the command's standard files; nil means
	// /dev/null. An *os.File is given to the command as it is; any other
	// reader or writer is fed through a pipe, and Run returns after the
	// command's output has been copied.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// ExitError reports a command that ran and did not exit with status 0.
type ExitError struct {
	// Status is the command's wait status.
	Status syscall.WaitStatus
}

// ExitCode is the command's exit status, or -1 when a signal ended it.
func (e *ExitError) ExitCode() int {
	if e.Status.Exited() {
		return e.Status.ExitStatus()
	}
	return -1
}

func (e *ExitError) Error() string {
	if e.Status.Signaled() {
		return "signal: " + e.Status.Signal().String()
	}
	return "exit status " + strconv.Itoa(e.ExitCode())
}

// Run runs cmd as a child process inside the named namespace, set up as
// for Exec, and waits for it. The caller's threads are untouched: the
// child is started from a throw-away thread. A command that ran and
// failed is an *ExitError; one that could not start wraps
// ErrCommandNotFound or ErrNotExecutable.
func Run(name string, cmd *Command, warn io.Writer) error {
	return cmd.run(func() error { return enter(name, warn) })
}

// Run runs the command in the caller's own namespaces and waits for it;
// its errors are those of the package-level Run.
func (cmd *Command) Run() error { return cmd.run(nil) }

// run starts the command, from a throw-away thread prepared by enter when
// enter is not nil, and waits for it.
func (cmd *Command) run(enter func() error) error {
	if len(cmd.Args) == 0 {
		return errors.New("no command given")
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	var files stdFiles
	defer files.closeAll()
	if err := files.setup(cmd); err != nil {
		return err
	}
	pid := 0
	// The command is looked up after enter, as ip looks it up after it
	// switched: a missing namespace is the error even when the command is
	// missing too.
	start := func() error {
		path := cmd.Path
		if path == "" || filepath.Base(path) == path {
			p, err := lookCommand(cmd.Args)
			if err != nil {
				return err
			}
			path = p
		}
		var err error
		pid, err = syscall.ForkExec(path, cmd.Args, &syscall.ProcAttr{Env: env, Files: files.fds[:]})
		if err != nil {
			if errors.Is(err, os.ErrPermission) {
				return fmt.Errorf("%s: %w", cmd.Args[0], ErrNotExecutable)
			}
			return &os.PathError{Op: "fork/exec", Path: path, Err: err}
		}
		return nil
	}
	var err error
	if enter == nil {
		err = start()
	} else {
		err = onThrowawayThread(func() error {
			if err := enter(); err != nil {
				return err
			}
			return start()
		})
	}
	files.closeChild()
	if err != nil {
		return err
	}
	var ws syscall.WaitStatus
	for {
		_, err = syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	files.wait()
	if err != nil {
		return fmt.Errorf("wait for %s: %w", cmd.Args[0], err)
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		return &ExitError{Status: ws}
	}
	return nil
}

// stdFiles are the child's descriptors 0, 1 and 2 and what feeds them.
type stdFiles struct {
	fds    [3]uintptr
	child  []*os.File      // the ends given to the child, closed once it started
	parent []*os.File      // the ends the copies use
	done   []chan struct{} // one per output copy
	stdin  *os.File        // the pipe end that feeds a reader to the child
}

func (f *stdFiles) setup(cmd *Command) error {
	for i, s := range []any{cmd.Stdin, cmd.Stdout, cmd.Stderr} {
		if file, ok := s.(*os.File); ok && file != nil {
			f.fds[i] = file.Fd()
			continue
		}
		if s == nil {
			null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			f.child = append(f.child, null)
			f.fds[i] = null.Fd()
			continue
		}
		if i == 2 && sameWriter(cmd.Stdout, cmd.Stderr) {
			// One pipe for both, as os/exec does: the writer sees the
			// command's output in its order and is never written to
			// from two goroutines.
			f.fds[2] = f.fds[1]
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		if i == 0 {
			f.child, f.parent = append(f.child, r), append(f.parent, w)
			f.fds[i] = r.Fd()
			f.stdin = w
			go func(src io.Reader) {
				_, _ = io.Copy(w, src)
				w.Close()
			}(cmd.Stdin)
			continue
		}
		f.child, f.parent = append(f.child, w), append(f.parent, r)
		f.fds[i] = w.Fd()
		done := make(chan struct{})
		f.done = append(f.done, done)
		dst := cmd.Stdout
		if i == 2 {
			dst = cmd.Stderr
		}
		go func() {
			_, _ = io.Copy(dst, r)
			close(done)
		}()
	}
	return nil
}

// sameWriter reports whether a and b are the same writer; writers that
// cannot be compared are not.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// closeChild closes the parent's copies of the child's ends, so the
// output copies see end of file when the child exits.
func (f *stdFiles) closeChild() {
	for _, c := range f.child {
		c.Close()
	}
	f.child = nil
}

// wait waits for the output copies, then stops feeding stdin.
func (f *stdFiles) wait() {
	for _, d := range f.done {
		<-d
	}
	if f.stdin != nil {
		f.stdin.Close()
	}
}

func (f *stdFiles) closeAll() {
	f.closeChild()
	for _, p := range f.parent {
		p.Close()
	}
}

// lookPath finds file as exec.LookPath does: a name with a slash is used
// as it is; a bare name is searched in PATH (an empty entry is the current
// directory, whose finds are refused as exec.ErrDot refuses them).
func lookPath(file string) (string, error) {
	if strings.Contains(file, "/") {
		if err := findExecutable(file); err != nil {
			return "", fmt.Errorf("exec: %q: %w", file, err)
		}
		return file, nil
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if findExecutable(p) == nil {
			if !filepath.IsAbs(p) {
				return "", fmt.Errorf("exec: %q: cannot run executable found relative to current directory", p)
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", file, ErrCommandNotFound)
}

// findExecutable reports whether file is an executable regular file (as
// exec.LookPath's check: eaccess when the kernel has it, else the mode).
func findExecutable(file string) error {
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return syscall.EISDIR
	}
	switch err := unix.Faccessat2(unix.AT_FDCWD, file, unix.X_OK, unix.AT_EACCESS); err {
	case nil:
		return nil
	case unix.ENOSYS, unix.EPERM:
		// No faccessat2, or a seccomp filter refusing it: the mode says.
		if fi.Mode()&0o111 != 0 {
			return nil
		}
	}
	return os.ErrPermission
}
