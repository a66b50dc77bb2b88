// Command pgx-backend is a complete PowerSync write backend: net/http, PostgreSQL
// through pgx, and this module for the protocol (validation, error bodies, typed
// models).
//
// It authenticates the PowerSync token (a JWT signed with HS256 and a shared
// secret; `sub` is the user), applies each uploaded transaction atomically (PUT
// upserts the columns sent, PATCH updates them, DELETE deletes the row), and
// answers one result per transaction, in order:
//
//   - success, with duplicate true for a transaction the idempotency ledger shows
//     as already applied (the client retried after a lost reply);
//   - fatal_error for a write the database refuses for good (a foreign-key
//     violation, a value of the wrong type, an unknown table or column) and for a
//     transaction that does not match the schema: the transaction is kept in the
//     dead-letter table with its JSON and the error, and the reply names it
//     (dead_letter_id, requires_client_handling false), so the client's queue
//     moves on;
//   - retryable_error when retrying may succeed (connection trouble, serialization
//     failure, deadlock): nothing is applied, the batch stops there and the later
//     transactions are not_attempted.
//
// Configuration (environment):
//
//   - DATABASE_URL: the PostgreSQL connection string (postgres://...);
//   - JWT_SECRET: the HS256 secret your auth service signs PowerSync tokens with;
//   - WRITE_TABLES: the tables clients may write, comma-separated (lists,todos).
//     Each needs an id primary key; their columns and types are read from the
//     database at start, and nothing else can be written;
//   - LISTEN_ADDR: where to serve (default :8080).
//
// It creates its two tables (write_ledger, write_dead_letters) at start if they do
// not exist.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	api "powersync-write-api"
)

// retryAfterMs is how long a client waits before retrying a retryable_error.
const retryAfterMs = 1000

const setup = `
SELECT pg_advisory_xact_lock(7426345);
CREATE TABLE IF NOT EXISTS write_ledger (
  subject text NOT NULL,
  client_id text NOT NULL,
  last_op_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subject, client_id)
);
CREATE TABLE IF NOT EXISTS write_dead_letters (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  received_at timestamptz NOT NULL DEFAULT now(),
  subject text NOT NULL,
  client_id text,
  last_op_id bigint,
  error_code text NOT NULL,
  message text NOT NULL,
  details jsonb NOT NULL,
  operation_index integer,
  transaction jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS write_dead_letters_replay
  ON write_dead_letters (client_id, last_op_id);
`

const columnsQuery = `
SELECT t.name, a.attname, format_type(a.atttypid, a.atttypmod)
FROM unnest($1::text[]) AS t(name)
JOIN pg_attribute a
  ON a.attrelid = to_regclass(quote_ident(t.name)) AND a.attnum > 0 AND NOT a.attisdropped`

// claim is keyed by the token's user as well as the client's id: a client_id is the
// client's own choice, so another user sending it must not make this user's writes
// duplicates.
const claim = `
INSERT INTO write_ledger AS l (subject, client_id, last_op_id) VALUES ($1, $2, $3)
ON CONFLICT (subject, client_id) DO UPDATE SET last_op_id = EXCLUDED.last_op_id, updated_at = now()
WHERE l.last_op_id < EXCLUDED.last_op_id`

const keptBefore = `
SELECT id::text, error_code, message, details, operation_index FROM write_dead_letters
WHERE client_id = $1 AND last_op_id = $2 AND subject = $3`

const keep = `
INSERT INTO write_dead_letters
  (subject, client_id, last_op_id, error_code, message, details, operation_index, transaction)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id::text`

// fatalError is a transaction that can never be applied as it is.
type fatalError struct {
	Code    string
	Message string
	Details map[string]any
	Index   *int32
}

func (f *fatalError) Error() string { return f.Code + ": " + f.Message }

// table is a writable table: column name -> SQL type as the catalog prints it.
type table struct {
	name    string
	columns map[string]string
}

// backend implements the generated server interface on PostgreSQL.
type backend struct {
	pool   *pgxpool.Pool
	tables map[string]table
	secret []byte
}

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	secret := os.Getenv("JWT_SECRET")
	if secret == "" {
		return errors.New("set JWT_SECRET to the secret your PowerSync tokens are signed with")
	}
	var names []string
	for _, name := range strings.Split(os.Getenv("WRITE_TABLES"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return errors.New("set WRITE_TABLES to the tables clients may write, e.g. lists,todos")
	}
	ctx := context.Background()
	url := os.Getenv("DATABASE_URL")
	config, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		config.MaxConns = 16 // pgx's default is 4, or the number of CPUs if more
	}
	pool, err := pgxpool.NewWithConfig(ctx, config)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer pool.Close()
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, setup)
		return err
	}); err != nil {
		return fmt.Errorf("creating the backend's tables: %w", err)
	}
	tables, err := loadTables(ctx, pool, names)
	if err != nil {
		return err
	}
	b := &backend{pool: pool, tables: tables, secret: []byte(secret)}
	addr := os.Getenv("LISTEN_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	server := &http.Server{
		Addr:              addr,
		Handler:           api.Handler(b, api.Options{}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Printf("serving on %s", addr)
	return server.ListenAndServe()
}

// loadTables reads the columns of the writable tables; it fails naming a missing one.
func loadTables(ctx context.Context, pool *pgxpool.Pool, names []string) (map[string]table, error) {
	tables := map[string]table{}
	for _, name := range names {
		tables[name] = table{name: name, columns: map[string]string{}}
	}
	rows, err := pool.Query(ctx, columnsQuery, names)
	if err != nil {
		return nil, fmt.Errorf("reading the columns of WRITE_TABLES: %w", err)
	}
	var name, column, sqlType string
	if _, err := pgx.ForEachRow(rows, []any{&name, &column, &sqlType}, func() error {
		tables[name].columns[column] = sqlType
		return nil
	}); err != nil {
		return nil, fmt.Errorf("reading the columns of WRITE_TABLES: %w", err)
	}
	for name, t := range tables {
		if _, ok := t.columns["id"]; !ok {
			return nil, fmt.Errorf("WRITE_TABLES names %q, but the database has no table %q with an id column "+
				"(create it, or remove it from WRITE_TABLES)", name, name)
		}
	}
	return tables, nil
}

// Authenticate accepts an HS256 token signed with the secret, with sub and exp;
// the principal is the user (sub).
func (b *backend) Authenticate(_ context.Context, credentials api.Credentials) (any, bool, error) {
	token, err := jwt.Parse(credentials.Secret, func(*jwt.Token) (any, error) { return b.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithLeeway(30*time.Second))
	if err != nil {
		return nil, false, nil
	}
	subject, err := token.Claims.GetSubject()
	if err != nil || subject == "" {
		return nil, false, nil
	}
	return subject, true, nil
}

// UploadData answers one result per transaction, in order; it stops after a
// retryable failure.
func (b *backend) UploadData(ctx context.Context, request api.UploadDataReceivedRequest) (api.UploadDataResponse, error) {
	principal, _ := api.PrincipalFrom(ctx)
	subject, _ := principal.(string)
	batch := request.Body
	clientID := ""
	if batch.ClientID != nil {
		clientID = *batch.ClientID
	}
	results := make([]api.TransactionResult, 0, len(batch.Transactions))
	stopped := false
	for _, item := range batch.Transactions {
		var result api.TransactionResultValue
		switch {
		case stopped:
			result = api.TransactionNotAttempted{}
		case item.Valid:
			result = b.transaction(ctx, subject, clientID, item.Value, item.Raw)
		default:
			violations := item.Violations
			if violations == nil {
				violations = []api.SchemaViolation{}
			}
			failure := &fatalError{
				Code:    "INVALID_REQUEST",
				Message: "the transaction does not match the schema",
				Details: map[string]any{"violations": violations, "violations_omitted": item.ViolationsOmitted},
			}
			result = b.keep(ctx, subject, clientID, nil, item.Raw, failure)
		}
		if _, retry := result.(api.TransactionRetryableError); retry {
			stopped = true
		}
		results = append(results, api.TransactionResult{Value: result})
	}
	return api.UploadData200Response{Body: api.WriteBatchResponse{Results: results}}, nil
}

// Health answers 200 while the process serves HTTP.
func (b *backend) Health(context.Context) (api.HealthResponse, error) {
	return api.Health200Response{Body: api.HealthStatus{Status: "ok"}}, nil
}

// Ready answers 200 while the database is reachable.
func (b *backend) Ready(ctx context.Context) (api.ReadyResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := b.pool.Ping(ctx); err != nil {
		message := "the database is not reachable: " + err.Error()
		return api.Ready503Response{Body: api.ErrorResponse{Message: message}}, nil
	}
	return api.Ready200Response{Body: api.HealthStatus{Status: "ok"}}, nil
}

// lastOpID is the ledger key of a transaction: its last op_id, when every entry has one.
func lastOpID(crud []api.CrudEntry) *int64 {
	var last *int64
	for _, entry := range crud {
		if entry.OpID == nil {
			return nil
		}
		if last == nil || *entry.OpID > *last {
			last = entry.OpID
		}
	}
	return last
}

// transaction applies one transaction atomically, or keeps it (raw: its JSON as
// received), or answers retryable.
func (b *backend) transaction(ctx context.Context, subject, clientID string, tx api.CrudTransaction, raw json.RawMessage) api.TransactionResultValue {
	var key *int64
	if clientID != "" {
		key = lastOpID(tx.Crud)
	}
	var replay api.TransactionResultValue
	index := -1
	err := pgx.BeginFunc(ctx, b.pool, func(db pgx.Tx) error {
		if key != nil {
			tag, err := db.Exec(ctx, claim, subject, clientID, *key)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				replay, err = b.replayed(ctx, db, subject, clientID, *key)
				return err
			}
		}
		// Every statement in one round trip; the first that fails names its entry.
		batch := &pgx.Batch{}
		var entries []int
		for i, entry := range tx.Crud {
			statement, args, err := b.statement(entry, i)
			if err != nil {
				return err
			}
			if statement != "" {
				batch.Queue(statement, args...)
				entries = append(entries, i)
			}
		}
		sent := db.SendBatch(ctx, batch)
		for _, i := range entries {
			if _, err := sent.Exec(); err != nil {
				index = i
				_ = sent.Close()
				return err
			}
		}
		return sent.Close()
	})
	if err == nil && replay != nil {
		return replay
	}
	if err == nil {
		return api.TransactionSuccess{}
	}
	var failure *fatalError
	if !errors.As(err, &failure) {
		failure = classify(err, tx, index)
		if failure == nil {
			return retryable(fmt.Sprintf("the database failed (%v); nothing was applied", err))
		}
	}
	return b.keep(ctx, subject, clientID, key, raw, failure)
}

// classify turns a database error into a fatal failure; nil when retrying may succeed.
func classify(err error, tx api.CrudTransaction, index int) *fatalError {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return nil // connection trouble, timeouts: retry
	}
	code := map[string]string{
		"23502": "NOT_NULL_VIOLATION",
		"23503": "FOREIGN_KEY_VIOLATION",
		"23505": "UNIQUE_VIOLATION",
		"23514": "CHECK_VIOLATION",
		"42501": "UNAUTHORIZED",
	}[pgErr.Code]
	if code == "" {
		// A SQLSTATE has five characters; anything else is no class at all.
		class := ""
		if len(pgErr.Code) == 5 {
			class = pgErr.Code[:2]
		}
		switch {
		case pgErr.Code == "55P03" || pgErr.Code == "25006":
			return nil
		case pgErr.Code == "26000" || pgErr.Code == "42P05":
			// A prepared statement missing on the server connection, or another's of
			// the same name: a pooler in transaction mode, which the next try may pass.
			return nil
		case class == "08" || class == "40" || class == "53" || class == "57" || class == "58":
			return nil
		case class == "23":
			code = "CONSTRAINT_VIOLATION"
		case class == "22":
			code = "INVALID_DATA"
		case class == "42":
			code = "SCHEMA_MISMATCH"
		default:
			code = "UNCLASSIFIED_ERROR"
		}
	}
	details := map[string]any{}
	if index >= 0 {
		details["table"] = tx.Crud[index].Table
	}
	if pgErr.ConstraintName != "" {
		details["constraint"] = pgErr.ConstraintName
	}
	if pgErr.ColumnName != "" {
		details["column"] = pgErr.ColumnName
	}
	failure := &fatalError{Code: code, Message: pgErr.Message, Details: details}
	if index >= 0 {
		i := int32(index)
		failure.Index = &i
	}
	return failure
}

// asText is a JSON value as the text PostgreSQL casts to the column's type: SQLite's
// 0 and 1 become booleans, ISO text timestamps, JSON text (or an object) json/jsonb.
// Numbers keep their exact digits.
func asText(value json.RawMessage) (*string, error) {
	var text string
	switch {
	case string(value) == "null":
		return nil, nil
	case len(value) > 0 && value[0] == '"':
		if err := json.Unmarshal(value, &text); err != nil {
			return nil, err
		}
	default:
		text = string(value)
	}
	return &text, nil
}

// statement is the SQL of one entry and its arguments ("" for a PATCH of nothing);
// table and column names come from the catalog, never from the request.
func (b *backend) statement(entry api.CrudEntry, index int) (string, []any, error) {
	at := int32(index)
	t, ok := b.tables[entry.Table]
	if !ok {
		return "", nil, &fatalError{Code: "SCHEMA_MISMATCH", Message: fmt.Sprintf("the table %q is not writable", entry.Table),
			Details: map[string]any{"table": entry.Table}, Index: &at}
	}
	// Sorted, so that the same columns give the same statement (pgx caches it).
	names := slices.Sorted(maps.Keys(entry.OpData.Value))
	args := []any{entry.ID}
	for _, column := range names {
		value := entry.OpData.Value[column]
		if _, ok := t.columns[column]; !ok || column == "id" {
			return "", nil, &fatalError{Code: "SCHEMA_MISMATCH",
				Message: fmt.Sprintf("the table %q has no writable column %q", t.name, column),
				Details: map[string]any{"table": t.name, "column": column}, Index: &at}
		}
		text, err := asText(value)
		if err != nil {
			return "", nil, &fatalError{Code: "INVALID_DATA", Message: err.Error(),
				Details: map[string]any{"table": t.name, "column": column}, Index: &at}
		}
		args = append(args, text)
	}
	ident := func(name string) string { return pgx.Identifier{name}.Sanitize() }
	cast := func(n int, column string) string { return fmt.Sprintf("$%d::text::%s", n, t.columns[column]) }
	var statement string
	switch entry.Op {
	case api.UpdateTypePut:
		columns, values, updates := []string{ident("id")}, []string{cast(1, "id")}, []string{}
		for i, name := range names {
			columns = append(columns, ident(name))
			values = append(values, cast(i+2, name))
			updates = append(updates, fmt.Sprintf("%s = EXCLUDED.%s", ident(name), ident(name)))
		}
		action := "NOTHING"
		if len(updates) > 0 {
			action = "UPDATE SET " + strings.Join(updates, ", ")
		}
		statement = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO %s", ident(t.name),
			strings.Join(columns, ", "), strings.Join(values, ", "), ident("id"), action)
	case api.UpdateTypePatch:
		if len(names) == 0 {
			return "", nil, nil
		}
		var sets []string
		for i, name := range names {
			sets = append(sets, fmt.Sprintf("%s = %s", ident(name), cast(i+2, name)))
		}
		statement = fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", ident(t.name), strings.Join(sets, ", "),
			ident("id"), cast(1, "id"))
	default:
		statement = fmt.Sprintf("DELETE FROM %s WHERE %s = %s", ident(t.name), ident("id"), cast(1, "id"))
		args = args[:1]
	}
	return statement, args, nil
}

// replayed answers a transaction seen before: the same fatal answer if it was kept,
// else success.
func (b *backend) replayed(ctx context.Context, db pgx.Tx, subject, clientID string, key int64) (api.TransactionResultValue, error) {
	var id string
	failure := &fatalError{}
	err := db.QueryRow(ctx, keptBefore, clientID, key, subject).
		Scan(&id, &failure.Code, &failure.Message, &failure.Details, &failure.Index)
	if errors.Is(err, pgx.ErrNoRows) {
		duplicate := true
		return api.TransactionSuccess{Duplicate: &duplicate}, nil
	}
	if err != nil {
		return nil, err
	}
	return fatal(id, failure), nil
}

// keep stores a failed transaction as a dead letter, in its own database
// transaction, and advances the ledger past it; if that fails, the client retries.
func (b *backend) keep(ctx context.Context, subject, clientID string, key *int64, raw json.RawMessage, failure *fatalError) api.TransactionResultValue {
	var result api.TransactionResultValue
	err := pgx.BeginFunc(ctx, b.pool, func(db pgx.Tx) error {
		var client *string
		if clientID != "" {
			client = &clientID
			if key != nil {
				tag, err := db.Exec(ctx, claim, subject, clientID, *key)
				if err != nil {
					return err
				}
				if tag.RowsAffected() == 0 {
					result, err = b.replayed(ctx, db, subject, clientID, *key)
					return err
				}
			}
		}
		var id string
		err := db.QueryRow(ctx, keep, subject, client, key, failure.Code, failure.Message, failure.Details,
			failure.Index, string(raw)).Scan(&id)
		result = fatal(id, failure)
		return err
	})
	if err != nil {
		return retryable(fmt.Sprintf("the transaction failed (%s) and could not be kept (%v)", failure.Code, err))
	}
	return result
}

func fatal(id string, failure *fatalError) api.TransactionResultValue {
	index := int32(0)
	if failure.Index != nil {
		index = *failure.Index
	}
	details, _ := json.Marshal(failure.Details) // a map of strings and violations
	return api.TransactionFatalError{
		RequiresClientHandling: false,
		DeadLetterID:           &id,
		FailedOperation: api.FailedOperation{
			ErrorCode:      failure.Code,
			Message:        &failure.Message,
			Details:        details,
			OperationIndex: &index,
		},
	}
}

func retryable(message string) api.TransactionResultValue {
	wait := int64(retryAfterMs)
	return api.TransactionRetryableError{Message: &message, RetryAfterMs: &wait}
}
