// Fixes offered for `unclosed-on-error-path` in Go. Every finding here has a fix (`fix:`);
// `tests/fixes.rs` applies each fix alone and all of them together, and leaklint must then be
// silent. `fixable.go.fixed` is the file with every fix applied.
package fixable

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"
)

type config struct{ Name string }

// The decode error returns before the file is closed.
func loadConfig(path string) (*config, error) {
	f, err := os.Open(path) // fix: unclosed-on-error-path
	if err != nil {
		return nil, err
	}
	var c config
	if err := json.NewDecoder(f).Decode(&c); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	f.Close()
	return &c, nil
}

// The response's own release, its body; the `defer` written after the early return moves up.
func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url) // fix: unclosed-on-error-path
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New("unexpected status " + resp.Status)
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// Another deferred call comes first: moving this one above it would change the order they
// run in, so a second `defer` is written instead (closing a body twice is harmless).
func fetchLogged(url string, done func()) ([]byte, error) {
	resp, err := http.Get(url) // fix: unclosed-on-error-path
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	defer done()
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// Rows, closed on the success path only; `return rows.Close()`-style releases stay.
func names(db *sql.DB) ([]string, error) {
	rows, err := db.Query("SELECT name FROM t") // fix: unclosed-on-error-path
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Close()
}

// A transaction: `defer tx.Rollback()`, which does nothing once committed.
func transfer(db *sql.DB) error {
	tx, err := db.Begin() // fix: unclosed-on-error-path
	if err != nil {
		return err
	}
	if _, err := tx.Exec("UPDATE a SET n = n - 1"); err != nil {
		return err
	}
	return tx.Commit()
}

// No error result: the release goes right after the acquisition.
func withDeadline(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second) // fix: unclosed-on-error-path
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	cancel()
	return nil
}

// The failure branch may use the (nil) file and may end in a call that never returns.
func openLogged(path string) error {
	f, err := os.Open(path) // fix: unclosed-on-error-path
	if err != nil {
		fmt.Printf("open %s failed (f=%v): %v\n", path, f, err)
		log.Fatal(err)
	}
	if len(path) > 255 {
		return errors.New("path too long")
	}
	return f.Close()
}

// Inside a branch (not a loop), and inside a function literal.
func maybeCopy(dst io.Writer, path string, verbose bool) error {
	if verbose {
		f, err := os.Open(path) // fix: unclosed-on-error-path
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, f); err != nil {
			return err
		}
		f.Close()
	}
	run := func() error {
		g, err := os.Create(path + ".done") // fix: unclosed-on-error-path
		if err != nil {
			return err
		}
		if _, err := g.WriteString("ok"); err != nil {
			return err
		}
		return g.Close()
	}
	return run()
}
