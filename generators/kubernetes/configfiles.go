package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// configFilesVolume is the volume of the service's config files.
const configFilesVolume = "config-files"

// configKey is a config file's key in its ConfigMap: its position and base name (two files of one
// base name in two folders stay apart; a key allows only [-._a-zA-Z0-9]).
func configKey(i int, p string) string { return strconv.Itoa(i) + "-" + path.Base(p) }

// configMapName names the ConfigMap of the config files after their content: a change is a new name
// in the pod template, so the pods roll, and the GitOps engine prunes the old one.
func (m *model) configMapName() string {
	h := sha256.New()
	for i, cf := range m.s.ConfigFiles {
		h.Write([]byte(configKey(i, cf.Path) + "\x00" + cf.Data + "\x00"))
	}
	return m.name + "-config-" + hex.EncodeToString(h.Sum(nil))[:10]
}

// configMap holds the config files, immutable: a change makes another one.
func (m *model) configMap() corev1.ConfigMap {
	data := map[string]string{}
	for i, cf := range m.s.ConfigFiles {
		data[configKey(i, cf.Path)] = cf.Data
	}
	return corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: m.meta(m.configMapName()), Data: data, Immutable: ptr(true)}
}

// configMounts mount each file on its own (subPath), read-only, so the folders around it keep the
// image's content.
func (m *model) configMounts() []corev1.VolumeMount {
	var out []corev1.VolumeMount
	for i, cf := range m.s.ConfigFiles {
		out = append(out, corev1.VolumeMount{Name: configFilesVolume, MountPath: cf.Path, SubPath: configKey(i, cf.Path), ReadOnly: true})
	}
	return out
}

func (m *model) configVolume() corev1.Volume {
	return corev1.Volume{Name: configFilesVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: m.configMapName()},
		DefaultMode:          ptr(int32(0o444)),
	}}}
}
