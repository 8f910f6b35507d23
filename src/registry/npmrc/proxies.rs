//! Proxy settings as npm reads them: `https-proxy`, `proxy` and `noproxy`
//! from configuration outside the repository, else the standard
//! environment variables. Which proxy a URL then takes is
//! [`crate::registry::proxy`]'s rule.

use super::*;
use crate::registry::proxy::{NoProxy, Proxies, ProxyUrl};

/// The proxy settings, from `outside` (every key's highest entry outside
/// the project's `.npmrc`), `layers` (for `noproxy[]` lists) and the
/// process environment `vars`.
pub(super) fn read(
    outside: &BTreeMap<&str, &Entry>,
    layers: &[Vec<Entry>],
    vars: &[(String, String)],
) -> Result<Proxies, NpmrcError> {
    let env = ProxyVars::of(vars);
    // npm hands `httpsProxy || proxy` to its agent for every URL; a
    // `proxy=false` (or `null`) only leaves the choice to the environment.
    let configured = ["https-proxy", "proxy"]
        .iter()
        .filter_map(|key| outside.get(key).copied())
        .find(|e| !matches!(e.value.as_str(), "" | "null" | "false"));
    let (https, http) = match configured {
        Some(entry) => {
            let proxy = parse(&entry.value, &entry.origin, &entry.key)?;
            (Some(proxy.clone()), Some(proxy))
        }
        None => {
            let https = env.https.as_ref();
            let http = [&env.https, &env.http, &env.proxy]
                .into_iter()
                .find_map(Option::as_ref);
            (
                https.map(EnvVar::parse).transpose()?,
                http.map(EnvVar::parse).transpose()?,
            )
        }
    };
    let no_proxy = configured_no_proxy(layers)
        .filter(|list| !list.is_empty())
        .or_else(|| env.no_proxy.map(|v| v.value.to_string()))
        .unwrap_or_default();
    Ok(Proxies::new(https, http, NoProxy::parse(&no_proxy)))
}

/// `noproxy` of the highest layer outside the project that sets it: a
/// comma-separated string, or the `noproxy[]=` lines of one file, which
/// npm's `ini` collects into a list (a later `noproxy=` replaces it).
fn configured_no_proxy(layers: &[Vec<Entry>]) -> Option<String> {
    layers
        .iter()
        .rev()
        .filter(|layer| layer.first().is_some_and(|e| e.rank.0 != Layer::Project))
        .find_map(|layer| {
            let mut list: Option<Vec<&str>> = None;
            for entry in layer {
                match entry.key.as_str() {
                    "noproxy" => list = Some(vec![&entry.value]),
                    "noproxy[]" => list.get_or_insert_with(Vec::new).push(&entry.value),
                    _ => {}
                }
            }
            list.map(|l| l.join(","))
        })
}

/// One proxy variable of the environment, by the name it was set under.
struct EnvVar<'a> {
    name: &'a str,
    value: &'a str,
}

impl EnvVar<'_> {
    fn parse(&self) -> Result<ProxyUrl, NpmrcError> {
        let origin = Origin::Env {
            name: self.name.to_string(),
        };
        parse(self.value, &origin, &self.name.to_ascii_lowercase())
    }
}

/// The proxy variables `@npmcli/agent` reads: names compared
/// case-insensitively, the later of two spellings winning, empty values
/// counting as unset.
#[derive(Default)]
struct ProxyVars<'a> {
    https: Option<EnvVar<'a>>,
    http: Option<EnvVar<'a>>,
    proxy: Option<EnvVar<'a>>,
    no_proxy: Option<EnvVar<'a>>,
}

impl<'a> ProxyVars<'a> {
    fn of(vars: &'a [(String, String)]) -> Self {
        let mut out = Self::default();
        for (name, value) in vars {
            let slot = match name.to_ascii_lowercase().as_str() {
                "https_proxy" => &mut out.https,
                "http_proxy" => &mut out.http,
                "proxy" => &mut out.proxy,
                "no_proxy" => &mut out.no_proxy,
                _ => continue,
            };
            *slot = Some(EnvVar { name, value });
        }
        for slot in [
            &mut out.https,
            &mut out.http,
            &mut out.proxy,
            &mut out.no_proxy,
        ] {
            if slot.as_ref().is_some_and(|v| v.value.is_empty()) {
                *slot = None;
            }
        }
        out
    }
}

fn parse(value: &str, origin: &Origin, key: &str) -> Result<ProxyUrl, NpmrcError> {
    ProxyUrl::parse(value).map_err(|reason| NpmrcError::InvalidProxy {
        origin: origin.clone(),
        key: key.to_string(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    const PASSWORD: &str = "pr0xy-S3CRET";

    /// An environment variable: name, value.
    type Var<'a> = (&'a str, &'a str);

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Loads with `user` and `project` as the two `.npmrc` files.
    fn load(user: &str, project: &str, env: &[(&str, &str)]) -> Result<NpmConfig, NpmrcError> {
        let dir = tempfile::tempdir().unwrap();
        let project_dir = dir.path().join("project");
        fs::create_dir(&project_dir).unwrap();
        fs::write(project_dir.join(".npmrc"), project).unwrap();
        let user_npmrc = dir.path().join("user.npmrc");
        fs::write(&user_npmrc, user).unwrap();
        NpmConfig::load(&Sources {
            project_dir: Some(&project_dir),
            user_npmrc: Some(&user_npmrc),
            env: &vars(env),
            cli_registry: None,
        })
    }

    /// The proxy of `url`, as printed (`-` for none).
    fn via(cfg: &NpmConfig, url: &str) -> String {
        cfg.proxies()
            .for_url(&Url::parse(url).unwrap())
            .map_or("-".into(), ToString::to_string)
    }

    #[test]
    fn the_environment_names_a_proxy_per_scheme_as_npmcli_agent_reads_it() {
        let cfg = load("", "", &[("HTTPS_PROXY", "http://s:1")]).unwrap();
        assert_eq!(via(&cfg, "https://registry.npmjs.org/x"), "http://s:1");
        assert_eq!(via(&cfg, "http://mirror.example/x"), "http://s:1");

        // HTTP_PROXY and PROXY are for http: URLs only.
        let cfg = load(
            "",
            "",
            &[("HTTP_PROXY", "http://h:2"), ("PROXY", "http://p:3")],
        )
        .unwrap();
        assert_eq!(via(&cfg, "https://registry.npmjs.org/x"), "-");
        assert_eq!(via(&cfg, "http://mirror.example/x"), "http://h:2");
        let cfg = load("", "", &[("proxy", "http://p:3")]).unwrap();
        assert_eq!(via(&cfg, "http://mirror.example/x"), "http://p:3");

        // Names are case-insensitive; the later spelling wins; empty is unset.
        let cfg = load(
            "",
            "",
            &[("https_proxy", "http://a:1"), ("HTTPS_PROXY", "http://b:2")],
        )
        .unwrap();
        assert_eq!(via(&cfg, "https://x.example/"), "http://b:2");
        let cfg = load("", "", &[("HTTPS_PROXY", ""), ("http_proxy", "http://h:2")]).unwrap();
        assert_eq!(via(&cfg, "https://x.example/"), "-");
        assert_eq!(via(&cfg, "http://x.example/"), "http://h:2");
        assert!(load("", "", &[]).unwrap().proxies().is_none());
    }

    #[test]
    fn configured_proxies_win_over_the_environment_for_every_scheme() {
        let env = [
            ("HTTPS_PROXY", "http://env:1"),
            ("npm_config_proxy", "http://npmproxy:2"),
        ];
        // `https-proxy` beats `proxy` whatever their layers.
        let cfg = load("https-proxy=http://user-https:3\n", "", &env).unwrap();
        assert_eq!(
            via(&cfg, "https://registry.npmjs.org/"),
            "http://user-https:3"
        );
        assert_eq!(via(&cfg, "http://mirror.example/"), "http://user-https:3");
        let cfg = load("", "", &env).unwrap();
        assert_eq!(
            via(&cfg, "https://registry.npmjs.org/"),
            "http://npmproxy:2"
        );
        assert_eq!(via(&cfg, "http://mirror.example/"), "http://npmproxy:2");
        // `proxy=false` or `null` leaves the choice to the environment.
        let cfg = load("proxy=false\nhttps-proxy=null\n", "", &env[..1]).unwrap();
        assert_eq!(via(&cfg, "https://registry.npmjs.org/"), "http://env:1");
        let cfg = load("", "", &[("npm_config_https_proxy", "https://tls:4")]).unwrap();
        assert_eq!(via(&cfg, "https://registry.npmjs.org/"), "https://tls:4");
    }

    #[test]
    fn noproxy_comes_from_configuration_else_from_no_proxy() {
        let env = [
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "env-excluded.example"),
        ];
        let cfg = load("", "", &env).unwrap();
        assert_eq!(via(&cfg, "https://a.env-excluded.example/"), "-");
        assert_eq!(via(&cfg, "https://conf.example/"), "http://p:1");

        let cfg = load("noproxy=conf.example, other.example\n", "", &env).unwrap();
        assert_eq!(via(&cfg, "https://conf.example/"), "-");
        assert_eq!(via(&cfg, "https://npm.other.example/"), "-");
        assert_eq!(via(&cfg, "https://a.env-excluded.example/"), "http://p:1");

        // npm's ini lists, and a later plain value replacing them.
        let cfg = load("noproxy[]=one.example\nnoproxy[]=two.example\n", "", &env).unwrap();
        assert_eq!(via(&cfg, "https://one.example/"), "-");
        assert_eq!(via(&cfg, "https://two.example/"), "-");
        let cfg = load("noproxy[]=one.example\nnoproxy=two.example\n", "", &env).unwrap();
        assert_eq!(via(&cfg, "https://one.example/"), "http://p:1");
        assert_eq!(via(&cfg, "https://two.example/"), "-");

        // The environment layer outranks the user's file; an empty list
        // leaves NO_PROXY in force.
        let mut with_env = env.to_vec();
        with_env.push(("npm_config_noproxy", "envconf.example"));
        let cfg = load("noproxy=conf.example\n", "", &with_env).unwrap();
        assert_eq!(via(&cfg, "https://envconf.example/"), "-");
        assert_eq!(via(&cfg, "https://conf.example/"), "http://p:1");
        let cfg = load("noproxy=\n", "", &env).unwrap();
        assert_eq!(via(&cfg, "https://env-excluded.example/"), "-");
    }

    #[test]
    fn the_project_npmrc_cannot_set_or_lift_a_proxy() {
        let project = "proxy=http://attacker.example:8080\n\
                       https-proxy=http://attacker.example:8443\n\
                       noproxy=registry.npmjs.org\n";
        let cfg = load("", project, &[]).unwrap();
        assert!(cfg.proxies().is_none());
        let cfg = load("", project, &[("HTTPS_PROXY", "http://corp:3128")]).unwrap();
        assert_eq!(via(&cfg, "https://registry.npmjs.org/"), "http://corp:3128");
        // Nor can it break the run with an unusable value.
        assert!(load("", "https-proxy=socks5://x:1\n", &[]).is_ok());
    }

    #[test]
    fn proxy_credentials_are_used_and_never_shown() {
        let user = "https-proxy=http://alice:${PROXY_PASSWORD}@corp:3128\n";
        let cfg = load(user, "", &[("PROXY_PASSWORD", PASSWORD)]).unwrap();
        let proxy = cfg
            .proxies()
            .for_url(&Url::parse("https://registry.npmjs.org/").unwrap())
            .unwrap();
        let basic = proxy.authorization().unwrap().expose();
        assert!(basic.starts_with("Basic "));
        assert_eq!(
            via(&cfg, "https://registry.npmjs.org/"),
            "http://***@corp:3128"
        );
        assert!(!format!("{cfg:?}").contains(PASSWORD));
        assert!(!format!("{cfg:?}").contains(&basic[6..]));
    }

    #[test]
    fn unusable_proxy_urls_are_errors_that_name_the_setting_not_the_value() {
        let cases: [(&str, &[Var], &str); 3] = [
            (
                "https-proxy=socks5://alice:pr0xy-S3CRET@corp:1080\n",
                &[],
                "user.npmrc:1: `https-proxy` is not a usable proxy URL: SOCKS",
            ),
            (
                "",
                &[("HTTPS_PROXY", "alice:pr0xy-S3CRET@corp:3128")],
                "environment variable HTTPS_PROXY: `https_proxy` is not a usable proxy URL",
            ),
            (
                "",
                &[("npm_config_proxy", "ftp://alice:pr0xy-S3CRET@corp")],
                "environment variable npm_config_proxy: `proxy` is not a usable proxy URL",
            ),
        ];
        for (user, env, want) in cases {
            let err = load(user, "", env).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
            assert!(!err.contains(PASSWORD) && !err.contains("alice"), "{err}");
        }
        // `PROXY` serves http: URLs only, but an unusable value is an
        // error all the same: a setting is checked when it is read.
        let err = load("", "", &[("PROXY", "garbage")]).unwrap_err();
        assert!(err.to_string().contains("environment variable PROXY"));
    }
}
