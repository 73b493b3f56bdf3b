// Findings of `unclosed-on-error-path` in Go for which no fix is safe (`nofix:`): the
// deferred release would close what the function hands on, pile up in a loop, or is not the
// resource's own; `tests/fixes.rs` checks that none is offered.
package unfixable

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
)

type store struct{ log *os.File }

// Returned on success: a deferred Close would close the caller's file.
func openChecked(path string) (*os.File, error) {
	f, err := os.Open(path) // nofix: unclosed-on-error-path
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		return nil, errors.New("not a file")
	}
	return f, nil
}

// Stored on success.
func (s *store) attach(path string) error {
	f, err := os.Open(path) // nofix: unclosed-on-error-path
	if err != nil {
		return err
	}
	if _, err := f.Stat(); err != nil {
		return err
	}
	s.log = f
	return nil
}

// Lent to a function of this file: leaklint knows it only borrows, the fix does not assume it.
func ping(c net.Conn) error {
	_, err := c.Write([]byte("PING\r\n"))
	return err
}

func dialAndPing(addr string) error {
	c, err := net.Dial("tcp", addr) // nofix: unclosed-on-error-path
	if err != nil {
		return err
	}
	if err := ping(c); err != nil {
		return err
	}
	return c.Close()
}

// In a loop, deferred calls pile up until the function returns.
func sizes(paths []string) (int64, error) {
	var total int64
	for _, p := range paths {
		f, err := os.Open(p) // nofix: unclosed-on-error-path
		if err != nil {
			return 0, err
		}
		st, err := f.Stat()
		if err != nil {
			return 0, err
		}
		total += st.Size()
		f.Close()
	}
	return total, nil
}

// A jump back is a loop too.
func retry(path string, tries int) error {
again:
	f, err := os.Open(path) // nofix: unclosed-on-error-path
	if err != nil {
		return err
	}
	if _, err := f.Stat(); err != nil {
		tries--
		if tries > 0 {
			f.Close()
			goto again
		}
		return err
	}
	return f.Close()
}

// The check is not a plain `err != nil`: the leak is in the check itself.
func openOnce(path string, seen map[string]bool) error {
	f, err := os.Open(path) // nofix: unclosed-on-error-path
	if err == nil && seen[path] {
		return fmt.Errorf("%s: opened twice", path)
	}
	if err != nil {
		return err
	}
	seen[path] = true
	return f.Close()
}

// A pipe is released by waiting for its command, not by a Close of its own.
func lines(cmd *exec.Cmd) ([]byte, error) {
	out, err := cmd.StdoutPipe() // nofix: unclosed-on-error-path
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil { // nofix: unclosed-on-error-path
		return nil, err
	}
	b, err := io.ReadAll(out)
	if err != nil {
		return nil, err
	}
	return b, cmd.Wait()
}

// The raw descriptor outlives the call: closing the file would invalidate it.
func rawFd(path string) (uintptr, error) {
	f, err := os.Open(path) // nofix: unclosed-on-error-path
	if err != nil {
		return 0, err
	}
	if _, err := f.Stat(); err != nil {
		return 0, err
	}
	return f.Fd(), nil
}

// A helper of this file acquires: its release is not known from the rule data.
func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func appendLine(path, line string) error {
	f, err := openLog(path) // nofix: unclosed-on-error-path
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line); err != nil {
		return err
	}
	return f.Close()
}
