//! The `ssh` transport: the system OpenSSH client, so `~/.ssh/config` (aliases, ProxyJump,
//! IdentityFile), the agent and known_hosts apply exactly as the operator set them up. sakr
//! parses none of that: it runs `ssh [--ssh-command words] [options] HOST sh -s` once per node
//! and speaks [`super::shell`]'s protocol over its stdin and stdout.

use super::shell::{Channel, ProcessChannel, ShellNode};

/// How to run ssh.
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// `--ssh-command`, split as a shell would (`ssh -F /path/config` → two words).
    pub command: Vec<String>,
    /// Run the remote shell through `sudo -n` (a non-root login that may become root).
    pub sudo: bool,
    /// Seconds ssh may take to connect.
    pub connect_timeout: u32,
}

impl Default for SshOptions {
    fn default() -> SshOptions {
        SshOptions {
            command: vec!["ssh".into()],
            sudo: false,
            connect_timeout: 10,
        }
    }
}

impl SshOptions {
    /// `--ssh-command CMD` split like a shell would; an empty or unbalanced command is refused.
    pub fn parse_command(cmd: &str) -> Result<Vec<String>, String> {
        match shlex::split(cmd) {
            Some(words) if !words.is_empty() => Ok(words),
            Some(_) => Err("--ssh-command is empty".into()),
            None => Err(format!(
                "--ssh-command {}: unbalanced quotes",
                crate::text::printable(cmd)
            )),
        }
    }
}

/// The argument vector for one node: the operator's ssh command, then sakr's options (ssh
/// takes the first value of an option, so anything in `--ssh-command` or `~/.ssh/config`
/// wins), the destination and the remote command.
pub fn argv(opts: &SshOptions, user: Option<&str>, host: &str, port: Option<u16>) -> Vec<String> {
    let mut v = opts.command.clone();
    // BatchMode: sakr owns ssh's stdin (the protocol), so a password or passphrase prompt
    // could never be answered; the agent and known_hosts must already be in place.
    for o in [
        "BatchMode=yes".to_string(),
        format!("ConnectTimeout={}", opts.connect_timeout),
        "ServerAliveInterval=15".into(),
        "ServerAliveCountMax=4".into(),
    ] {
        v.push("-o".into());
        v.push(o);
    }
    v.push("-T".into());
    if let Some(p) = port {
        v.push("-p".into());
        v.push(p.to_string());
    }
    if let Some(u) = user {
        v.push("-l".into());
        v.push(u.into());
    }
    // `--` ends ssh's options: a host can never be read as one.
    v.push("--".into());
    v.push(host.into());
    v.push(if opts.sudo { "sudo -n sh -s" } else { "sh -s" }.into());
    v
}

/// A node reached over ssh. Nothing runs until its first operation.
pub fn node(
    name: &str,
    user: Option<&str>,
    host: &str,
    port: Option<u16>,
    opts: &SshOptions,
) -> ShellNode {
    let argv = argv(opts, user, host, port);
    let describe = format!(
        "ssh://{}{host}{}",
        user.map(|u| format!("{u}@")).unwrap_or_default(),
        port.map(|p| format!(":{p}")).unwrap_or_default()
    );
    ShellNode::new(
        name,
        describe,
        Box::new(move || {
            let mut c = std::process::Command::new(&argv[0]);
            c.args(&argv[1..]);
            Ok(Box::new(ProcessChannel::spawn(c)?) as Box<dyn Channel>)
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_keeps_the_operators_command_first_and_ends_options_before_the_host() {
        let opts = SshOptions {
            command: SshOptions::parse_command("ssh -F '/etc/my ssh/config'").unwrap(),
            sudo: true,
            connect_timeout: 5,
        };
        let v = argv(&opts, Some("admin"), "cp-1", Some(2222));
        assert_eq!(&v[..3], ["ssh", "-F", "/etc/my ssh/config"]);
        let tail: Vec<&str> = v[v.len() - 7..].iter().map(String::as_str).collect();
        assert_eq!(
            tail,
            ["-p", "2222", "-l", "admin", "--", "cp-1", "sudo -n sh -s"]
        );
        assert!(v.windows(2).any(|w| w == ["-o", "BatchMode=yes"]));
        assert!(SshOptions::parse_command("ssh 'unbalanced").is_err());
        assert!(SshOptions::parse_command("  ").is_err());
    }
}
