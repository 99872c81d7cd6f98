package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huiqi/huiqi/demo"
	"github.com/huiqi/huiqi/engine"
	"github.com/huiqi/huiqi/httpapi"
	"github.com/huiqi/huiqi/index"
	"github.com/huiqi/huiqi/metrics"
	"github.com/huiqi/huiqi/policies"
	"github.com/huiqi/huiqi/postgres"
	"github.com/huiqi/huiqi/push"
	"github.com/huiqi/huiqi/sqlite"
	"github.com/huiqi/huiqi/web"
)

// DemoEnterprises is how many generated enterprises the demo holds.
const DemoEnterprises = 300

// ServeCommand starts the HTTP API.
type ServeCommand struct {
	Stdout, Stderr io.Writer
	// Now, when set, is the engine's clock (today's date for verdicts, the
	// time of events) instead of the system's, so that tests run on a fixed
	// day. Webhook retries keep to the system's clock: they wait on it.
	Now func() time.Time
	// Ready, when set, is called with the server's URL once it listens, so
	// that a caller in the same process need not read the log.
	Ready func(url string)
}

// Run starts the server and blocks until ctx is done, then shuts down.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("huiqi serve", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	addr := fs.String("addr", envOr("HUIQI_ADDR", "127.0.0.1:8080"), "address to listen on (HUIQI_ADDR)")
	dataDir := fs.String("data", envOr("HUIQI_DATA", "./data"), "data folder: SQLite database and bleve indexes (HUIQI_DATA)")
	dbURL := fs.String("db", os.Getenv("HUIQI_DB"), "postgres://USER@HOST:PORT/DB keeps the source of truth in PostgreSQL, which several replicas may share; the data folder then holds only this replica's indexes (HUIQI_DB); empty: SQLite in the data folder")
	withDemo := fs.Bool("demo", envOr("HUIQI_DEMO", "true") == "true", "load the demo catalogue into a new data folder (HUIQI_DEMO)")
	bodyLimit := fs.Int64("body-limit", envInt("HUIQI_BODY_LIMIT", httpapi.DefaultBodyLimit), "largest request body in bytes, bulk imports excepted (HUIQI_BODY_LIMIT)")
	logFormat := fs.String("log-format", envOr("HUIQI_LOG_FORMAT", "auto"), "json, text, or auto: text on a terminal, JSON otherwise (HUIQI_LOG_FORMAT)")
	requestTimeout := fs.Duration("request-timeout", envDuration("HUIQI_REQUEST_TIMEOUT", 30*time.Second), "longest time one request may take, bulk imports excepted (HUIQI_REQUEST_TIMEOUT)")
	bulkLimit := fs.Int64("bulk-limit", envInt("HUIQI_BULK_LIMIT", httpapi.DefaultBulkLimit), "largest bulk import body in bytes (HUIQI_BULK_LIMIT)")
	webhookHosts := fs.String("webhook-hosts", os.Getenv("HUIQI_WEBHOOK_HOSTS"), "comma-separated allow-list of webhook hosts, which may then resolve to internal addresses; empty allows any host with public addresses only (HUIQI_WEBHOOK_HOSTS)")
	metricsAddr := fs.String("metrics-addr", os.Getenv("HUIQI_METRICS_ADDR"), "second address serving /metrics with every department's figures, for a private scraper (HUIQI_METRICS_ADDR)")
	limits := httpapi.DefaultLimits()
	// A mistyped limit in the environment stops the start rather than
	// leaving the default in force unnoticed.
	var envErr error
	rateFlag := func(r *httpapi.Rate, name, env, what string) {
		if v := os.Getenv(env); v != "" {
			parsed, err := httpapi.ParseRate(v)
			if err != nil {
				envErr = errors.Join(envErr, fmt.Errorf("%s: %w", env, err))
			}
			*r = parsed
		}
		fs.Func(name, what+", as N/PERIOD or off (default "+r.String()+"; "+env+")", func(v string) error {
			parsed, err := httpapi.ParseRate(v)
			*r = parsed
			return err
		})
	}
	rateFlag(&limits.AuthFailures, "rate-auth-failures", "HUIQI_RATE_AUTH_FAILURES", "failed authentications allowed per client address")
	rateFlag(&limits.Anonymous, "rate-anonymous", "HUIQI_RATE_ANONYMOUS", "anonymous calculator and search calls allowed per client address")
	rateFlag(&limits.Bulk, "rate-bulk", "HUIQI_RATE_BULK", "bulk imports allowed per token")
	checkpointEvery := fs.Duration("checkpoint-every", envDuration("HUIQI_CHECKPOINT_EVERY", time.Hour), "how often to sign a checkpoint of the event log when it grew; 0: only on demand (HUIQI_CHECKPOINT_EVERY)")
	rateClients := fs.Int64("rate-clients", envInt("HUIQI_RATE_CLIENTS", int64(limits.MaxClients)), "client addresses or tokens each throttle remembers (HUIQI_RATE_CLIENTS)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: huiqi serve [flags]\n\nStarts the HTTP API. HUIQI_ADMIN_TOKEN, when set, is a valid admin token (a changed value revokes the previous one). Checkpoints of the event log are signed with the Ed25519 key in HUIQI_SIGNING_KEY, or signing.key in the data folder, made with mode 0600 when missing.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	logger, err := newLogger(c.Stderr, *logFormat)
	if err != nil {
		return err
	}
	slog.SetDefault(logger)
	if os.Getenv("GOMEMLIMIT") == "" {
		if limit := defaultMemoryLimit(readFile("/sys/fs/cgroup/memory.max"), readFile("/proc/meminfo")); limit > 0 {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))
			logger.Info("soft memory limit", "bytes", limit)
		}
	}
	start := time.Now()
	now := c.Now
	if now == nil {
		now = time.Now
	}
	eng, db, err := openEngineAt(ctx, *dataDir, *dbURL, now)
	if err != nil {
		return err
	}
	defer db.Close()
	cluster, _ := db.(replicaStore)
	eng.Logger = logger
	eng.WebhookTargets.Hosts = push.ParseHosts(*webhookHosts)
	ix, err := index.Open(filepath.Join(*dataDir, "index"))
	if err != nil {
		return err
	}
	defer ix.Close()
	eng.AttachIndex(ix)
	deliverer := push.NewDeliverer(db)
	deliverer.Logger = logger
	deliverer.Client = eng.WebhookTargets.Client(10 * time.Second)
	eng.Wake = deliverer.Wake
	if eng.Signer, err = engine.LoadSigningKey(signingKeyPath(*dataDir)); err != nil {
		return err
	}
	if secret := os.Getenv("HUIQI_ADMIN_TOKEN"); secret != "" {
		if err := eng.EnsureAdminToken(ctx, secret); err != nil {
			return err
		}
	}
	if *withDemo {
		if err := loadDemo(ctx, eng, cluster, logger); err != nil {
			return err
		}
	}
	// One server: the API and the pages, with the metrics both record into.
	srv := httpapi.NewServer(eng, metrics.New(eng))
	srv.Logger, srv.Addr, srv.BodyLimit, srv.BulkLimit, srv.RequestTimeout = logger, *addr, *bodyLimit, *bulkLimit, *requestTimeout
	srv.MetricsAddr, srv.Version, srv.WorkbookLabels = *metricsAddr, Version, web.Labels()
	limits.MaxClients = int(*rateClients)
	srv.SetLimits(limits)
	pages := web.New(eng)
	pages.Logger = logger
	srv.Mount(pages)
	if err := srv.Open(); err != nil {
		return err
	}
	logger.Info("huiqi serving", "url", srv.URL(), "data", *dataDir, "startup_ms", time.Since(start).Milliseconds(),
		"policies", len(eng.Matcher.Policies()), "enterprises", eng.Matcher.ProfileCount())
	background, stopBackground := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	// Work that must happen once: on one server it simply runs; among
	// replicas, one at a time runs it under a lock of its own, and when
	// that replica dies its lock goes with its connection and another
	// takes over.
	once := func(name string, fn func(context.Context)) {
		if cluster == nil {
			workers.Go(func() { fn(background) })
		} else {
			workers.Go(func() { lead(background, cluster, name, logger, fn) })
		}
	}
	once("deliver", deliverer.Run)
	once("daily", eng.RunDaily)
	if *checkpointEvery > 0 {
		once("checkpoint", func(ctx context.Context) { eng.RunCheckpoints(ctx, *checkpointEvery) })
	}
	if cluster != nil {
		wake := make(chan struct{}, 1)
		workers.Go(func() {
			cluster.Listen(background, func() {
				select {
				case wake <- struct{}{}:
				default:
				}
				deliverer.Wake()
			})
		})
		workers.Go(func() { eng.RunFollower(background, wake) })
	}
	workers.Go(func() {
		if err := eng.RunIndexer(background); err != nil && background.Err() == nil {
			logger.Error("indexer stopped", "err", err)
		}
	})
	defer func() {
		stopBackground()
		workers.Wait()
	}()
	if c.Ready != nil {
		c.Ready(srv.URL())
	}
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Close(shutdownCtx)
}

// openEngine opens the database in dataDir and loads the matcher from it.
func openEngine(ctx context.Context, dataDir string) (*engine.Engine, func(), error) {
	eng, db, err := openEngineAt(ctx, dataDir, os.Getenv("HUIQI_DB"), time.Now)
	if err != nil {
		return nil, nil, err
	}
	return eng, func() { db.Close() }, nil
}

// store is what the server runs on: the engine's source of truth, which the
// webhook deliverer reads and advances too.
type store interface {
	engine.Store
	push.Store
	Close() error
}

// loadDemo loads the demo catalogue into an empty store. Replicas starting
// together on an empty database load it once: the first under the lock,
// the others find it loaded and follow it.
func loadDemo(ctx context.Context, eng *engine.Engine, cluster replicaStore, logger *slog.Logger) error {
	if cluster != nil {
		_, unlock, err := cluster.Lock(ctx, "demo")
		if err != nil {
			return err
		}
		defer unlock()
	}
	today := eng.Today()
	catalogue, err := policies.Catalogue(today)
	if err != nil {
		return fmt.Errorf("demo catalogue: %w", err)
	}
	loaded, err := eng.LoadDemo(ctx, catalogue, demo.Enterprises(DemoEnterprises, 1, today))
	if err != nil {
		return fmt.Errorf("load demo: %w", err)
	} else if loaded {
		logger.Info("demo catalogue loaded", "policies", len(catalogue), "enterprises", DemoEnterprises)
	}
	return nil
}

// replicaStore is a store that replicas share (PostgreSQL): the engine
// follows its change log, and one replica at a time does what must be done
// once.
type replicaStore interface {
	store
	engine.Cluster
	Listen(ctx context.Context, wake func())
}

// lead runs fn while this replica holds the named lock, taking it again
// whenever it is lost, until ctx is done.
func lead(ctx context.Context, c replicaStore, name string, logger *slog.Logger, fn func(context.Context)) {
	for ctx.Err() == nil {
		held, unlock, err := c.Lock(ctx, name)
		if err != nil {
			if ctx.Err() == nil {
				logger.Error("lock", "name", name, "err", err)
				time.Sleep(time.Second)
			}
			continue
		}
		logger.Info("leading", "work", name)
		run, stop := context.WithCancel(ctx)
		go func() {
			<-held.Done()
			stop()
		}()
		fn(run)
		stop()
		unlock()
	}
}

// openEngineAt is openEngine on the clock now, which the engine has from
// before it loads: loading judges as of today.
func openEngineAt(ctx context.Context, dataDir, dbURL string, now func() time.Time) (*engine.Engine, store, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, nil, err
	}
	db, err := openStore(ctx, dataDir, dbURL)
	if err != nil {
		return nil, nil, err
	}
	eng := engine.New(db)
	eng.Now = now
	if c, ok := db.(replicaStore); ok {
		eng.Cluster = c
	}
	if err := eng.Load(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return eng, db, nil
}

// openStore opens the source of truth: the PostgreSQL database at dbURL,
// or without one the SQLite file in dataDir.
func openStore(ctx context.Context, dataDir, dbURL string) (store, error) {
	switch {
	case dbURL == "":
		db := sqlite.NewDB(filepath.Join(dataDir, "huiqi.db"))
		if err := db.Open(ctx); err != nil {
			return nil, err
		}
		return db, nil
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		db := postgres.NewDB(dbURL)
		if err := db.Open(ctx); err != nil {
			return nil, err
		}
		return db, nil
	}
	return nil, fmt.Errorf("--db: want a postgres:// URL, got %q", redactURL(dbURL))
}

// redactURL hides a password in a database URL, for messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "…"
}

// newLogger returns a JSON logger, or a text one for people at a terminal.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	if format == "auto" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("unknown --log-format %q: json, text or auto", format)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func envInt(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// defaultMemoryLimit returns the Go heap's soft limit serve sets when
// GOMEMLIMIT does not: three quarters of the memory the process may use,
// its cgroup's limit (memory.max) or else the machine's (MemTotal of
// /proc/meminfo), and 0 when neither is known. Without a limit the
// collector lets the heap grow to twice what is live, which for a province
// (2,000,000 profiles, about 2.2 GiB live) is more than a machine or a
// container sized for it may have; with one it collects more often as the
// heap nears the limit instead. The quarter left is for what the Go heap
// does not hold: SQLite's page cache, the bleve indexes, the kernel.
func defaultMemoryLimit(cgroupMax, meminfo string) int64 {
	total, err := strconv.ParseInt(strings.TrimSpace(cgroupMax), 10, 64)
	if err != nil || total <= 0 {
		total = 0
		for line := range strings.Lines(meminfo) {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				if err == nil && kb > 0 {
					total = kb << 10
				}
			}
		}
	}
	return total / 4 * 3
}

// readFile returns the file's text, or "" when it cannot be read.
func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}
