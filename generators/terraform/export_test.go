package terraform

// addWriterForTest registers the writers of a dependency type, by cloud (aws, gcp, azure), until the
// returned function is called: with catalog.AddForTest, the test that a new dependency type is one
// catalogue row plus a writer per cloud.
func addWriterForTest(typ string, byCloud map[string]writer) (remove func()) {
	writersMu.Lock()
	defer writersMu.Unlock()
	for name, w := range byCloud {
		clouds[name].writers[typ] = w
	}
	return func() {
		writersMu.Lock()
		defer writersMu.Unlock()
		for name := range byCloud {
			delete(clouds[name].writers, typ)
		}
	}
}
