package transport

import (
	"context"
	"errors"
)

// Shutdown stops the server gracefully: it stops accepting, lets every
// connection finish the request it is handling (a deposit being committed
// is answered), tells each client the home is shutting down, closes the
// connections and then the database. If ctx ends first, the remaining
// connections are closed at once; Shutdown still waits for them to let
// go of the database, and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	ctxErr, err := s.shutdown(ctx)
	return errors.Join(ctxErr, err)
}

// Close stops the server at once: as [Server.Shutdown] with a context
// that has already ended, without reporting that as an error.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.shutdown(ctx)
	return err
}

// shutdown does Shutdown's work and returns ctx's error, if it ended
// first, apart from the database's.
func (s *Server) shutdown(ctx context.Context) (ctxErr, err error) {
	s.shutting.Store(true)
	s.mu.Lock()
	for l := range s.listeners {
		l.Close()
	}
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.drain()
	}
	done := make(chan struct{})
	go func() { s.connWG.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		ctxErr = ctx.Err()
		for _, c := range conns {
			c.conn.Close()
		}
		<-done
	}
	return ctxErr, s.closeStore()
}

// closeStore stops the expiry sweep and closes the database, once.
func (s *Server) closeStore() error {
	s.closeOnce.Do(func() {
		close(s.stopExpiry)
		<-s.expiryDone
		s.closeErr = s.store.Close()
	})
	return s.closeErr
}
