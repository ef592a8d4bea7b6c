//go:build unix

package listener

import (
	"errors"
	"net"
	"syscall"
)

// socketQuiet reports whether c is open with nothing to read: a peek that
// does not wait finds EAGAIN. EOF (the app closed it) or unexpected bytes
// mean it must not carry another request.
func socketQuiet(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	quiet := false
	var buf [1]byte
	if err := rc.Read(func(fd uintptr) bool {
		_, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		quiet = errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK)
		return true // never wait
	}); err != nil {
		return false
	}
	return quiet
}
