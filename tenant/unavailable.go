package tenant

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable: telling an error of a database out of reach from any other.

// Unavailable tells whether err means that the database could not be reached or went away,
// rather than that it refused what was asked (issue 14 #9): a failed connection attempt
// (refused, unknown host, the database not accepting connections, too many connections), a
// connection lost or shut down by the server, or no answer in time. The app answers these
// with 503 and "try again shortly" instead of 500.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"), // connection exception
			pg.Code == "57P01", // admin_shutdown: the server terminated the connection
			pg.Code == "57P02", // crash_shutdown
			pg.Code == "57P03", // cannot_connect_now: starting up or shutting down
			pg.Code == "53300": // too_many_connections
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || errors.As(err, &netErr)
}
