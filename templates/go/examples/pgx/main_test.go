package main

// The example backend's error classification against the shared SQLSTATE vectors,
// and its idempotency ledger on a throwaway PostgreSQL cluster (the throwaway-server
// binary of tests/servers). Run by the test command in templates/go/examples/pgx;
// main.go is copied verbatim into generated/go/examples/pgx, this file is not.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	api "powersync-write-api"
)

// root is the repository root, from this folder (templates/go/examples/pgx).
const root = "../../../.."

func TestADatabaseErrorIsClassifiedAsByTheReferenceBackend(t *testing.T) {
	text, err := os.ReadFile(filepath.Join(root, "tests/postgres-vectors/sqlstates.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct {
		Cases []struct {
			SQLState string  `json:"sqlstate"`
			Class    *string `json:"class"`
			Note     string  `json:"note"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(text, &vectors); err != nil {
		t.Fatal(err)
	}
	// A guard against a vector file that lost its cases: the loop would pass.
	if len(vectors.Cases) < 50 {
		t.Fatalf("sqlstates.json has only %d cases", len(vectors.Cases))
	}
	var tx api.CrudTransaction
	for _, c := range vectors.Cases {
		want := "UNCLASSIFIED_ERROR"
		if c.Class != nil {
			want = *c.Class
		}
		got := "retryable"
		if failure := classify(&pgconn.PgError{Code: c.SQLState}, tx, -1); failure != nil {
			got = failure.Code
		}
		if got != want {
			t.Errorf("SQLSTATE %q (%s): got %s, want %s", c.SQLState, c.Note, got, want)
		}
	}
}

// database starts a throwaway cluster and returns a pool on a fresh database with a
// lists table; the cluster stops when the test ends.
func database(t *testing.T) *pgxpool.Pool {
	t.Helper()
	binary := os.Getenv("THROWAWAY_SERVER")
	if binary == "" {
		target := os.Getenv("CARGO_TARGET_DIR")
		if target == "" {
			target = filepath.Join(root, "target")
		}
		binary = filepath.Join(target, "debug", "throwaway-server")
	}
	if _, err := os.Stat(binary); err != nil {
		t.Fatalf("the throwaway-server binary %s is missing (build it with `cargo build -p throwaway-servers --bin throwaway-server`, or set THROWAWAY_SERVER): %v", binary, err)
	}
	server := exec.Command(binary, "postgres")
	stdin, err := server.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	server.Stderr = &stderr
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close() // the server stops when its stdin closes
		_ = server.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("throwaway-server ended: %v: %s", err, stderr.String())
	}
	var described struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal([]byte(line), &described); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, described.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE example"); err != nil {
		t.Fatal(err)
	}
	url := described.URL[:strings.LastIndex(described.URL, "/")] + "/example"
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(ctx, "CREATE TABLE lists (id uuid PRIMARY KEY, name text)"); err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, setup)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return pool
}

func putList(t *testing.T, id, name string, opID int) (api.CrudTransaction, json.RawMessage) {
	t.Helper()
	raw := json.RawMessage(fmt.Sprintf(
		`{"crud":[{"op":"PUT","table":"lists","id":%q,"op_id":%d,"op_data":{"name":%q}}]}`,
		id, opID, name,
	))
	var tx api.CrudTransaction
	if err := json.Unmarshal(raw, &tx); err != nil {
		t.Fatal(err)
	}
	return tx, raw
}

func TestTheLedgerIsPerUserSoAnotherUsersClientIDDoesNotSkipWrites(t *testing.T) {
	pool := database(t)
	ctx := context.Background()
	tables, err := loadTables(ctx, pool, []string{"lists"})
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{pool: pool, tables: tables}
	alice, bob := "3b1f0c3e-0000-4000-8000-00000000000a", "3b1f0c3e-0000-4000-8000-00000000000b"
	aliceTx, aliceRaw := putList(t, alice, "Alice's", 7)
	// Bob's client sends the same client_id with a lower op_id.
	bobTx, bobRaw := putList(t, bob, "Bob's", 3)
	got := []api.TransactionResultValue{
		b.transaction(ctx, "alice", "device-1", aliceTx, aliceRaw),
		b.transaction(ctx, "bob", "device-1", bobTx, bobRaw),
		// Alice's reply was lost: her replay is a duplicate.
		b.transaction(ctx, "alice", "device-1", aliceTx, aliceRaw),
	}
	duplicate := true
	want := []api.TransactionResultValue{
		api.TransactionSuccess{},
		api.TransactionSuccess{},
		api.TransactionSuccess{Duplicate: &duplicate},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("results: got %#v, want %#v", got, want)
	}
	rows, err := pool.Query(ctx, "SELECT id::text, name FROM lists ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ ID, Name string }])
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []struct{ ID, Name string }{{alice, "Alice's"}, {bob, "Bob's"}}
	if !reflect.DeepEqual(stored, wantRows) {
		t.Fatalf("rows: got %v, want %v", stored, wantRows)
	}
}
