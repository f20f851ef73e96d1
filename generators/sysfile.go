package generators

import (
	"io"
	"io/fs"
	"syscall"
)

// A platform's output is tens of thousands of small files, each read or written at once: these go
// straight to the system calls. os.OpenFile registers every file with the runtime's poller (five
// calls more, which fail for a regular file anyway), and the content is read at the size fstat gives.

// openNew creates the file name for writing: never one that exists, nor through a final link.
func openNew(name string) (int, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
		if err != syscall.EINTR {
			return fd, err
		}
	}
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

// readFile is os.ReadFile in plain system calls (errors as *fs.PathError, as os.ReadFile's).
func readFile(name string) ([]byte, error) {
	fd, err := openRead(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	// One byte more than the size, so that a file read whole comes short: for a regular file that is
	// its end (no second read to learn it), and one that grew meanwhile is read on.
	regular := st.Mode&syscall.S_IFMT == syscall.S_IFREG
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
		if len(data) < cap(data) && regular {
			return data, nil
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // room for more
		}
	}
}

func openRead(name string) (int, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}
