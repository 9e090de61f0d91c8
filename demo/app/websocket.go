package main

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// A minimal WebSocket (RFC 6455) echo server with the standard library only:
// every data frame comes back unchanged (unmasked), pings get pongs, and a
// close frame is echoed before the connection ends.

const (
	wsGUID       = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	wsMaxPayload = 1 << 20
	wsIdle       = 2 * time.Minute

	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

// serveWebSocketEcho upgrades the request and echoes frames until close.
func serveWebSocketEcho(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Sec-WebSocket-Key")
	if !headerHas(r.Header, "Connection", "upgrade") || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") ||
		r.Header.Get("Sec-WebSocket-Version") != "13" || key == "" {
		http.Error(w, "want a WebSocket (version 13) upgrade", http.StatusBadRequest)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "hijack: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	sum := sha1.Sum([]byte(key + wsGUID))
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		base64.StdEncoding.EncodeToString(sum[:]))
	if rw.Flush() != nil {
		return
	}
	for {
		_ = conn.SetDeadline(time.Now().Add(wsIdle))
		fin, op, payload, err := readFrame(rw.Reader)
		if err != nil {
			return
		}
		switch op {
		case opPing:
			op = opPong
		case opPong:
			continue
		}
		if writeFrame(rw.Writer, fin, op, payload) != nil || rw.Flush() != nil || op == opClose {
			return
		}
	}
}

// headerHas reports whether a comma-separated header contains token.
func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// readFrame reads one masked client frame and unmasks its payload.
func readFrame(r *bufio.Reader) (fin bool, op byte, payload []byte, err error) {
	var head [2]byte
	if _, err = io.ReadFull(r, head[:]); err != nil {
		return
	}
	fin, op = head[0]&0x80 != 0, head[0]&0x0F
	if head[1]&0x80 == 0 {
		return false, 0, nil, errors.New("websocket: client frame not masked")
	}
	size := uint64(head[1] & 0x7F)
	switch size {
	case 126:
		var b [2]byte
		_, err = io.ReadFull(r, b[:])
		size = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, err = io.ReadFull(r, b[:])
		size = binary.BigEndian.Uint64(b[:])
	}
	if err != nil {
		return
	}
	if size > wsMaxPayload {
		return false, 0, nil, fmt.Errorf("websocket: %d-byte frame is over the %d-byte limit", size, wsMaxPayload)
	}
	var mask [4]byte
	if _, err = io.ReadFull(r, mask[:]); err != nil {
		return
	}
	payload = make([]byte, size)
	if _, err = io.ReadFull(r, payload); err != nil {
		return
	}
	for i := range payload {
		payload[i] ^= mask[i%4]
	}
	return fin, op, payload, nil
}

// writeFrame writes one unmasked server frame.
func writeFrame(w *bufio.Writer, fin bool, op byte, payload []byte) error {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	head := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		head = append(head, byte(n))
	case n <= 0xFFFF:
		head = append(head, 126)
		head = binary.BigEndian.AppendUint16(head, uint16(n))
	default:
		head = append(head, 127)
		head = binary.BigEndian.AppendUint64(head, uint64(n))
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}
