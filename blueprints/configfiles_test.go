package blueprints

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// configCase is svc.yaml (api) with the spec lines given from line 10, and the other files named.
func configCase(files map[string]string, spec ...string) map[string]string {
	files["svc.yaml"] = ruleService("api", TypeWeb, spec...)
	return files
}

func TestRuleConfigFiles(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{name: "valid files", files: configCase(map[string]string{"config/app.yaml": "level: info\nport: 8080\n"},
			"  configFiles: [{path: /etc/app/app.yaml, from: config/app.yaml}, {path: /srv/app.yaml, from: ./config/../config/app.yaml}]")},
		{name: "missing, outside, a folder", files: configCase(map[string]string{"config/app.yaml": "x"},
			"  configFiles: [{path: /etc/a, from: config/none.yaml}, {path: /etc/b, from: ../../etc/passwd}, {path: /etc/c, from: config}, {path: /etc/d, from: /etc/passwd}, {path: /etc/e, from: .git/config}]"),
			want: []string{
				`svc.yaml:10:38: spec.configFiles[0].from: config/none.yaml: no such file or folder (the path is relative to the folder of the file that names it)`,
				`svc.yaml:10:78: spec.configFiles[1].from: ../../etc/passwd is outside the repository (name a file of the repository, relative to the folder of the file that names it)`,
				`svc.yaml:10:118: spec.configFiles[2].from: config is not a regular file`,
				`svc.yaml:10:148: spec.configFiles[3].from: /etc/passwd is outside the repository (name a file of the repository, relative to the folder of the file that names it)`,
				`svc.yaml:10:183: spec.configFiles[4].from: .git/config goes through the hidden .git (hidden files and folders (.git, .env, .ssh) hold what no pod should: name a visible file)`,
			}},
		{name: "binary, credentials, too large", files: configCase(map[string]string{
			"bin": "\x00\x01", "creds.env": "LOG=info\nexport DB_PASSWORD=hunter2\n", "key.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n",
			"token.yaml": "github:\n  token: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n", "big": strings.Repeat("x", MaxConfigFile+1)},
			"  configFiles: [{path: /etc/a, from: bin}, {path: /etc/b, from: creds.env}, {path: /etc/c, from: key.pem}, {path: /etc/d, from: token.yaml}, {path: /etc/e, from: big}]"),
			want: []string{
				`svc.yaml:10:38: spec.configFiles[0].from: bin is not UTF-8 text (bake binary files into the image)`,
				`svc.yaml:10:65: spec.configFiles[1].from: creds.env:2 looks like a credential under DB_PASSWORD: config files are committed in the output, never secret (keep the credential in the secret store (spec.secrets) and have the app read it from CONFIDENTIAL_DIR or an env variable)`,
				`svc.yaml:10:98: spec.configFiles[2].from: key.pem:1 looks like a private key: config files are committed in the output, never secret (keep the credential in the secret store (spec.secrets) and have the app read it from CONFIDENTIAL_DIR or an env variable)`,
				`svc.yaml:10:129: spec.configFiles[3].from: token.yaml:2 looks like a GitHub token: config files are committed in the output, never secret (keep the credential in the secret store (spec.secrets) and have the app read it from CONFIDENTIAL_DIR or an env variable)`,
				`svc.yaml:10:163: spec.configFiles[4].from: big is 262145 bytes, more than 256 KiB (bake large data into the image)`,
			}},
		{name: "credentials in other forms", files: configCase(map[string]string{
			"a.json": `{"db": {"host": "db", "password": "hunter2"}}`, "b.xml": "<config><password>hunter2</password></config>",
			"redis.conf": "port 6379\nrequirepass hunter2\n", "c.ini": "[db]\npwd=hunter2\n", "ok.yaml": "password: ${DB_PASSWORD}\ntoken_file: /var/run/secrets/gantry/TOKEN\n"},
			"  configFiles: [{path: /etc/a, from: a.json}, {path: /etc/b, from: b.xml}, {path: /etc/c, from: redis.conf}, {path: /etc/d, from: c.ini}, {path: /etc/e, from: ok.yaml}]"),
			want: []string{
				`svc.yaml:10:38: spec.configFiles[0].from: a.json:1 looks like a credential under password: config files are committed in the output, never secret (keep the credential in the secret store (spec.secrets) and have the app read it from CONFIDENTIAL_DIR or an env variable)`,
				`svc.yaml:10:68: spec.configFiles[1].from: b.xml:1 looks like a credential under password: config files are committed in the output, never secret (keep the credential in the secret store (spec.secrets) and have the app read it from CONFIDENTIAL_DIR or an env variable)`,
				`svc.yaml:10:97: spec.configFiles[2].from: redis.conf:2 looks like a credential under requirepass: config files are committed in the output, never secret (keep the credential in the secret store (spec.secrets) and have the app read it from CONFIDENTIAL_DIR or an env variable)`,
				`svc.yaml:10:131: spec.configFiles[3].from: c.ini:2 looks like a credential under pwd: config files are committed in the output, never secret (keep the credential in the secret store (spec.secrets) and have the app read it from CONFIDENTIAL_DIR or an env variable)`,
			}},
		{name: "mount paths", files: configCase(map[string]string{"f": "x"},
			"  configFiles: [{path: /etc/app/f, from: f}, {path: /etc/app/f, from: f}, {path: etc/f, from: f}, {path: /etc/./f, from: f}, {path: /proc/f, from: f}, {path: /var/cache/x, from: f}]",
			"  writablePaths: [{path: /var/cache/x}]"),
			want: []string{
				`svc.yaml:10:53: spec.configFiles[1].path: duplicate config file path "/etc/app/f" (the first is spec.configFiles[0])`,
				`svc.yaml:10:82: spec.configFiles[2].path: "etc/f" has the wrong form (for example "/etc/app/config.yaml")`,
				`svc.yaml:10:106: spec.configFiles[3].path: "/etc/./f" is not a clean path (no '..', '.', '//' or trailing '/') (an absolute file path such as /etc/app/config.yaml)`,
				`svc.yaml:10:133: spec.configFiles[4].path: /proc/f is in /proc, which the kernel, Kubernetes or Gantry provides (an absolute file path such as /etc/app/config.yaml)`,
				`svc.yaml:10:159: spec.configFiles[5].path: /var/cache/x is a writable path: a folder, not a file (mount the file below the writable folder, or elsewhere)`,
			}},
		{name: "a platform default is relative to the platform file", files: map[string]string{
			"platform/platform.yaml": rulePlatform("  defaults: {configFiles: [{path: /etc/common.conf, from: common.conf}]}"),
			"platform/common.conf":   "region = eu\n",
			"platform/svc.yaml":      ruleService("api", TypeWeb)}},
	})
}

// TestConfigFileContent: the content reaches the base and every environment; a symbolic link is
// refused, even to a file inside the repository.
func TestConfigFileContent(t *testing.T) {
	res, diags := ruleLoad(t, configCase(map[string]string{"app.conf": "a = 1\n"}, "  configFiles: [{path: /etc/app.conf, from: app.conf}]"))
	if diags.HasErrors(false) {
		t.Fatal(diags)
	}
	s := res.Platforms[0].Services[0]
	if got := s.Base.ConfigFiles[0].Data; got != "a = 1\n" {
		t.Errorf("base: %q", got)
	}
	for _, e := range s.Environments {
		if got := e.Spec.ConfigFiles[0].Data; got != "a = 1\n" {
			t.Errorf("%s: %q", e.Name, got)
		}
	}

	dir := t.TempDir()
	for name, data := range map[string]string{"real.conf": "a = 1\n", "svc.yaml": ruleService("api", TypeWeb, "  configFiles: [{path: /etc/a, from: link.conf}, {path: /etc/b, from: linked/real.conf}]")} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Symlink("real.conf", filepath.Join(dir, "link.conf")) != nil || os.Symlink(".", filepath.Join(dir, "linked")) != nil {
		t.Skip("no symbolic links here")
	}
	t.Chdir(dir)
	_, diags = Load(LoadOptions{Paths: []string{"svc.yaml"}})
	got := ruleDiagStrings(diags)
	want := []string{
		"svc.yaml:10:38: spec.configFiles[0].from: link.conf goes through the symbolic link link.conf (name the file it points to, inside the repository)",
		"svc.yaml:10:71: spec.configFiles[1].from: linked/real.conf goes through the symbolic link linked (name the file it points to, inside the repository)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
