package generators

import (
	"errors"
	"io"
	"io/fs"
	"syscall"
)

// A platform's output is tens of thousands of small files, each read or written at once: these go
// straight to the system calls. os.OpenFile registers every file with the runtime's poller (five
// calls more, which fail for a regular file anyway), and the content is read at the size fstat gives.

// openNew creates the file name for writing: never one that exists, nor through a final link.
func openNew(name string) (int, error) {
	return open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW, 0o644)
}

// open is open(2), retried when interrupted, the descriptor closed on exec.
func open(name string, flags int, perm uint32) (fd int, err error) {
	err = ignoringEINTR(func() error {
		fd, err = syscall.Open(name, flags|syscall.O_CLOEXEC, perm)
		return err
	})
	return fd, err
}

// writeFull writes all of data to fd.
func writeFull(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return err
		case n == 0:
			return io.ErrShortWrite
		}
		data = data[n:]
	}
	return nil
}

// errNotRegular is a generated file's path holding something else than a file (a FIFO, a device).
var errNotRegular = errors.New("not a regular file")

// readFile is os.ReadFile in plain system calls (errors as *fs.PathError, as os.ReadFile's), for
// regular files only, never through a final link. Non-blocking: a FIFO where a file should be opens
// at once (and is refused), not when some other process writes to it.
func readFile(name string) ([]byte, error) {
	fd, err := open(name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer closeFD(fd)
	var st syscall.Stat_t
	if err := ignoringEINTR(func() error { return syscall.Fstat(fd, &st) }); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errNotRegular}
	}
	// One byte more than the size: a regular file read to its size is at its end (no second read to
	// learn it); anything else (a short read mid-file, a read cut at 2 GiB, a file that grew) reads on
	// until a read returns nothing.
	data := make([]byte, 0, max(st.Size, 0)+1)
	for {
		n, err := syscall.Read(fd, data[len(data):cap(data)])
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		case n == 0:
			return data, nil
		}
		data = data[:len(data)+n]
		if int64(len(data)) == st.Size {
			return data, nil
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // room for more
		}
	}
}

// ignoringEINTR retries a system call a signal interrupted, as package os does: file systems such as
// FUSE and CIFS return EINTR even for calls the kernel would restart (golang/go#40846).
func ignoringEINTR(call func() error) error {
	for {
		if err := call(); err != syscall.EINTR {
			return err
		}
	}
}

// closeFD closes fd. An interrupted close has released the descriptor on Linux: it is not retried (the
// number may already name another file) and not an error.
func closeFD(fd int) error {
	if err := syscall.Close(fd); err != nil && err != syscall.EINTR {
		return err
	}
	return nil
}
