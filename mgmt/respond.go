package mgmt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/junctionmq/junction/broker"
)

var errEOF = io.EOF

// apiError is an error answer in RabbitMQ's shape:
// {"error": "not_found", "reason": "..."}.
type apiError struct {
	status int
	code   string
	reason string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.reason) }

func errUnauthorized(reason string) *apiError {
	return &apiError{http.StatusUnauthorized, "not_authorised", reason}
}

func errNotFound() *apiError {
	return &apiError{http.StatusNotFound, "Object Not Found", "Not Found"}
}

func errBadRequest(reason string) *apiError {
	return &apiError{http.StatusBadRequest, "bad_request", reason}
}

// toAPIError maps a broker refusal to the status RabbitMQ's management
// plugin answers with for the same refusal.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var be *broker.Error
	if !errors.As(err, &be) {
		return &apiError{http.StatusInternalServerError, "internal_error", err.Error()}
	}
	switch be.Kind {
	case broker.KindNotFound:
		return &apiError{http.StatusNotFound, "not_found", be.Text}
	case broker.KindAccessRefused:
		return &apiError{http.StatusUnauthorized, "not_authorised", be.Text}
	case broker.KindInternal:
		return &apiError{http.StatusInternalServerError, "internal_error", be.Text}
	}
	return &apiError{http.StatusBadRequest, "bad_request", be.Text}
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="RabbitMQ Management"`)
	}
	writeJSON(w, e.status, map[string]string{"error": e.code, "reason": e.reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(map[string]string{"error": "internal_error", "reason": err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ok answers 200 with a JSON body.
func (rq *request) ok(v any) error {
	writeJSON(rq.w, http.StatusOK, v)
	return nil
}

// noContent answers 204, RabbitMQ's reply to updates and deletes.
func (rq *request) noContent() error {
	rq.w.WriteHeader(http.StatusNoContent)
	return nil
}

// created answers 201 for a new object or 204 for an existing one, as
// RabbitMQ does for PUT.
func (rq *request) created(isNew bool) error {
	if isNew {
		rq.w.WriteHeader(http.StatusCreated)
		return nil
	}
	return rq.noContent()
}
