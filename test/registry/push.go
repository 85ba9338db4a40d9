package main

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// imageSpec is one entry of the --images file.
type imageSpec struct {
	// Repository, e.g. "team/app"; Tag, e.g. "v1".
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
	// Format: "docker" (schema 2 manifest / manifest list, the default) or "oci".
	Format string `json:"format"`
	// Index: push an index (manifest list) of Platforms; otherwise Platforms must have one entry.
	Index bool `json:"index"`
	// Public: the token endpoint grants pull without credentials.
	Public    bool           `json:"public"`
	Platforms []platformSpec `json:"platforms"`
}

type platformSpec struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
	Variant      string `json:"variant"`
	// Entrypoint and Cmd of the image config; null (absent) stays absent.
	Entrypoint []string `json:"entrypoint"`
	Cmd        []string `json:"cmd"`
}

// pushedImage: what the tests need to know about a pushed image.
type pushedImage struct {
	// Digest of what the tag points at (the manifest, or the index).
	Digest string `json:"digest"`
	// Per "os/arch[/variant]": the manifest digest and the config digest.
	Platforms map[string]pushedPlatform `json:"platforms"`
}

type pushedPlatform struct {
	Manifest string `json:"manifest"`
	Config   string `json:"config"`
}

func platformKey(p platformSpec) string {
	key := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		key += "/" + p.Variant
	}
	return key
}

func buildImage(format string, p platformSpec) (v1.Image, error) {
	img := empty.Image
	if format == "oci" {
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS = p.OS
	cfg.Architecture = p.Architecture
	cfg.Variant = p.Variant
	cfg.Config.Entrypoint = p.Entrypoint
	cfg.Config.Cmd = p.Cmd
	cfg.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	return mutate.ConfigFile(img, cfg)
}

func pushAll(addr string, specs []imageSpec) (map[string]pushedImage, error) {
	result := map[string]pushedImage{}
	for _, s := range specs {
		ref, err := name.ParseReference(fmt.Sprintf("%s/%s:%s", addr, s.Repository, s.Tag), name.Insecure)
		if err != nil {
			return nil, err
		}
		if !s.Index && len(s.Platforms) != 1 {
			return nil, fmt.Errorf("%s: a single image needs exactly one platform", ref)
		}
		pushed := pushedImage{Platforms: map[string]pushedPlatform{}}
		var adds []mutate.IndexAddendum
		for _, p := range s.Platforms {
			img, err := buildImage(s.Format, p)
			if err != nil {
				return nil, err
			}
			digest, err := img.Digest()
			if err != nil {
				return nil, err
			}
			configDigest, err := img.ConfigName()
			if err != nil {
				return nil, err
			}
			pushed.Platforms[platformKey(p)] = pushedPlatform{Manifest: digest.String(), Config: configDigest.String()}
			if !s.Index {
				if err := remote.Write(ref, img); err != nil {
					return nil, fmt.Errorf("push %s: %w", ref, err)
				}
				pushed.Digest = digest.String()
				continue
			}
			// Each platform's manifest is pushed by digest; the index then references them.
			if err := remote.Write(ref.Context().Digest(digest.String()), img); err != nil {
				return nil, fmt.Errorf("push %s@%s: %w", ref, digest, err)
			}
			adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
				Platform: &v1.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant},
			}})
		}
		if s.Index {
			var idx v1.ImageIndex = empty.Index
			if s.Format != "oci" {
				idx = mutate.IndexMediaType(idx, types.DockerManifestList)
			}
			idx = mutate.AppendManifests(idx, adds...)
			if err := remote.WriteIndex(ref, idx); err != nil {
				return nil, fmt.Errorf("push index %s: %w", ref, err)
			}
			digest, err := idx.Digest()
			if err != nil {
				return nil, err
			}
			pushed.Digest = digest.String()
		}
		result[s.Repository+":"+s.Tag] = pushed
	}
	return result, nil
}
