"""A private WordPress on loopback for the WordPress tests: Debian's packages, nothing else.

    python infra/wordpress/site.py up   STATE.json   # installs (as root) if needed, starts, writes STATE.json
    python infra/wordpress/site.py down STATE.json   # stops what ``up`` started and removes its files
    python infra/wordpress/site.py permalinks STATE.json plain|pretty   # the site's permalink structure

``up`` is idempotent: when STATE.json names a site that still answers, it is reused. Each site is its
own: a MariaDB with its own data directory and socket and no TCP port (``skip-networking``), an Apache
from its own configuration file listening on 127.0.0.1 at a free port, Debian's
``/etc/wordpress/config-<name>.php`` chosen by ``SetEnv WORDPRESS_CONFIG`` (so the host name does not
matter), its own ``wp-content`` (uploads, mu-plugins). WordPress 6.1 accepts application passwords over
plain http only when ``WP_ENVIRONMENT_TYPE`` is ``local``; a production site on https needs nothing.

STATE.json holds what the tests need: ``base_url``, the admin's login, one user per role (``editor``,
``author``, ``contributor``) with an application password, and the ``mu_plugins`` folder where a test
may drop a must-use plugin (its faults).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PACKAGES = ["wordpress", "wordpress-theme-twentytwentythree", "mariadb-server", "apache2", "libapache2-mod-php",
            "php-mysql", "php-gd", "php-curl", "php-xml", "php-mbstring", "php-intl", "php-zip"]
WORDPRESS = Path("/usr/share/wordpress")
ETC = Path("/etc/wordpress")
MODULES = Path("/usr/lib/apache2/modules")
ROLES = ("editor", "author", "contributor")


def log(message: str) -> None:
    print(f"wordpress: {message}", file=sys.stderr, flush=True)


# -- packages -------------------------------------------------------------------------------------


def ensure_packages() -> None:
    missing = [p for p in PACKAGES if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                                                     text=True).stdout.strip() != "install ok installed"]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"wordpress: missing Debian packages (run as root, or: sudo apt-get install {' '.join(missing)})")
    log(f"installing {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # No service may start on install: this site runs its own private instances only.
    policy = Path("/usr/sbin/policy-rc.d")
    made_policy = not policy.exists()
    if made_policy:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    finally:
        if made_policy:
            policy.unlink()


# -- helpers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"wordpress: {what} did not come up within {seconds:.0f} s")


def http(url: str, data: dict | None = None, timeout: float = 30) -> tuple[int, bytes]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def answers(base_url: str) -> bool:
    try:
        status, body = http(f"{base_url}/?rest_route=/", timeout=5)
    except OSError:
        return False
    return status == 200 and b'"namespaces"' in body


# -- up -------------------------------------------------------------------------------------------


def up(state_file: Path) -> dict:
    if state_file.exists():
        state = json.loads(state_file.read_text())
        if answers(state["base_url"]):
            log(f"already running at {state['base_url']}")
            return state
        down(state_file)
    ensure_packages()
    started = time.monotonic()
    port = free_port()
    name = f"kabar-{port}"
    root = Path(tempfile.mkdtemp(prefix=f"{name}-", dir="/var/tmp"))
    root.chmod(0o755)
    state = {"name": name, "root": str(root), "port": port, "base_url": f"http://127.0.0.1:{port}",
             "config": str(ETC / f"config-{name}.php")}
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state, indent=2))  # so that ``down`` cleans up even a failed ``up``
    db_password = secrets.token_hex(16)
    start_mariadb(root, db_password)
    write_wordpress_config(root, state, db_password)
    start_apache(root, state)
    admin_password = secrets.token_urlsafe(18)
    install(state["base_url"], admin_password)
    state |= {"admin": {"username": "admin", "password": admin_password},
              "mu_plugins": str(root / "wp-content" / "mu-plugins"),
              "users": make_users(state)}
    state_file.write_text(json.dumps(state, indent=2))
    log(f"up at {state['base_url']} in {time.monotonic() - started:.1f} s")
    return state


def start_mariadb(root: Path, db_password: str) -> None:
    data, run = root / "mysql", root / "run"
    for folder in (data, run):
        folder.mkdir()
        shutil.chown(folder, "mysql", "mysql")
    cnf = root / "my.cnf"
    cnf.write_text(f"""[mysqld]
datadir = {data}
socket = {run}/mysql.sock
pid-file = {run}/mysql.pid
log-error = {run}/mysql.err
user = mysql
skip-networking
skip-log-bin
innodb_buffer_pool_size = 32M
innodb_log_file_size = 16M
performance_schema = OFF
[client]
socket = {run}/mysql.sock
""")
    subprocess.run(["mariadb-install-db", f"--defaults-file={cnf}", "--auth-root-authentication-method=socket",
                    "--skip-test-db", "--user=mysql"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.Popen(["mariadbd", f"--defaults-file={cnf}"], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    sock = run / "mysql.sock"
    wait_for(lambda: sock.exists() and (run / "mysql.pid").exists(), "MariaDB")
    sql = (f"CREATE DATABASE wordpress CHARACTER SET utf8mb4; "
           f"CREATE USER 'wordpress'@'localhost' IDENTIFIED BY '{db_password}'; "
           "GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';")
    subprocess.run(["mariadb", f"--defaults-file={cnf}", "-u", "root", "-e", sql], check=True)


def write_wordpress_config(root: Path, state: dict, db_password: str) -> None:
    content = root / "wp-content"
    for sub in ("uploads", "plugins", "mu-plugins", "themes", "upgrade"):
        (content / sub).mkdir(parents=True)
    (content / "themes" / "twentytwentythree").symlink_to(WORDPRESS / "wp-content" / "themes" / "twentytwentythree")
    (content / "languages").symlink_to(WORDPRESS / "wp-content" / "languages")
    subprocess.run(["chown", "-R", "www-data:www-data", str(content)], check=True)
    salts = "\n".join(f"define('{k}', '{secrets.token_hex(32)}');" for k in (
        "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
        "LOGGED_IN_SALT", "NONCE_SALT"))
    Path(state["config"]).write_text(f"""<?php
// Kabar's test site ({root}); removed by infra/wordpress/site.py down.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', '{db_password}');
define('DB_HOST', 'localhost:{root}/run/mysql.sock');
define('WP_CONTENT_DIR', '{content}');
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('FS_METHOD', 'direct');
{salts}
""")
    Path(state["config"]).chmod(0o644)


def start_apache(root: Path, state: dict) -> None:
    modules = ["mpm_prefork", "authn_core", "authz_core", "dir", "mime", "alias", "env", "rewrite", "setenvif"]
    loads = "\n".join(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in modules)
    (root / "apache.conf").write_text(f"""ServerRoot /etc/apache2
DefaultRuntimeDir {root}
PidFile {root}/apache.pid
Mutex file:{root} default
Listen 127.0.0.1:{state['port']}
ServerName 127.0.0.1
{loads}
LoadModule php_module {MODULES}/libphp8.2.so
User www-data
Group www-data
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 8
ErrorLog {root}/apache-error.log
LogLevel warn
TypesConfig /etc/mime.types
SetEnv WORDPRESS_CONFIG {state['name']}
DocumentRoot {WORDPRESS}
Alias /wp-content {root}/wp-content
<FilesMatch "\\.php$">
  SetHandler application/x-httpd-php
</FilesMatch>
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory {WORDPRESS}>
  Options FollowSymLinks
  DirectoryIndex index.php
  Require all granted
  RewriteEngine On
  RewriteBase /
  RewriteRule ^index\\.php$ - [L]
  RewriteCond %{{REQUEST_FILENAME}} !-f
  RewriteCond %{{REQUEST_FILENAME}} !-d
  RewriteRule . /index.php [L]
</Directory>
<Directory {root}/wp-content>
  Options FollowSymLinks
  Require all granted
</Directory>
""")
    subprocess.run(["apache2", "-f", str(root / "apache.conf"), "-k", "start"], check=True)
    wait_for(lambda: _listening(state["port"]), "Apache")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def install(base_url: str, admin_password: str) -> None:
    status, body = http(f"{base_url}/wp-admin/install.php?step=2", {
        "weblog_title": "Kalurahan Uji", "user_name": "admin", "admin_password": admin_password,
        "admin_password2": admin_password, "pw_weak": "1", "admin_email": "admin@uji.desa.id", "blog_public": "0",
        "language": ""})
    if status != 200 or b"Success" not in body and b"Berhasil" not in body:
        raise SystemExit(f"wordpress: the install answered {status}: {body[:500]!r}")


PHP_USERS = r"""<?php
$_SERVER['HTTP_HOST'] = getenv('KABAR_WP_HOST');
$_SERVER['WORDPRESS_CONFIG'] = getenv('KABAR_WP_CONFIG');
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/user.php';
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%year%/%monthnum%/%postname%/');
$wp_rewrite->flush_rules(false);
$out = array();
foreach (array('editor', 'author', 'contributor') as $role) {
    $login_password = wp_generate_password(24, false);
    $id = wp_insert_user(array('user_login' => $role, 'user_pass' => $login_password,
        'user_email' => $role . '@uji.desa.id', 'role' => $role, 'display_name' => ucfirst($role)));
    if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }
    $made = WP_Application_Passwords::create_new_application_password($id, array('name' => 'kabar'));
    if (is_wp_error($made)) { fwrite(STDERR, $made->get_error_message()); exit(1); }
    $out[$role] = array('username' => $role, 'password' => $login_password,
        'application_password' => WP_Application_Passwords::chunk_password($made[0]));
}
echo json_encode($out);
"""


PHP_PERMALINKS = r"""<?php
$_SERVER['HTTP_HOST'] = getenv('KABAR_WP_HOST');
$_SERVER['WORDPRESS_CONFIG'] = getenv('KABAR_WP_CONFIG');
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
global $wp_rewrite;
$wp_rewrite->set_permalink_structure(getenv('KABAR_WP_PERMALINKS'));
$wp_rewrite->flush_rules(false);
echo '{}';
"""


def set_permalinks(state: dict, kind: str) -> None:
    """``plain`` (``?p=123``; ``/wp-json`` then answers with the home page) or ``pretty``."""
    structure = {"plain": "", "pretty": "/%year%/%monthnum%/%postname%/"}[kind]
    run_php(state, PHP_PERMALINKS, "permalinks.php", {"KABAR_WP_PERMALINKS": structure})


def make_users(state: dict) -> dict:
    return run_php(state, PHP_USERS, "users.php")


def run_php(state: dict, source: str, name: str, extra: dict | None = None) -> dict:
    script = Path(state["root"]) / name
    script.write_text(source)
    env = {**os.environ, "KABAR_WP_HOST": f"127.0.0.1:{state['port']}", "KABAR_WP_CONFIG": state["name"],
           **(extra or {})}
    # as www-data, so that anything WordPress writes stays writable by the web server
    done = subprocess.run(["setpriv", "--reuid=www-data", "--regid=www-data", "--clear-groups", "php", str(script)]
                          if os.geteuid() == 0 else ["php", str(script)],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"wordpress: {name} failed: {done.stderr or done.stdout}")
    return json.loads(done.stdout[done.stdout.index("{"):])


# -- down -----------------------------------------------------------------------------------------


def _stop_pid(pid_file: Path, what: str) -> None:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    log(f"{what} ({pid}) did not stop; killing it")
    os.kill(pid, signal.SIGKILL)


def down(state_file: Path) -> None:
    if not state_file.exists():
        return
    state = json.loads(state_file.read_text())
    root = Path(state["root"])
    _stop_pid(root / "apache.pid", "Apache")
    _stop_pid(root / "run" / "mysql.pid", "MariaDB")
    Path(state["config"]).unlink(missing_ok=True)
    if root.is_dir() and root.name.startswith("kabar-") and root.parent == Path("/var/tmp"):
        shutil.rmtree(root, ignore_errors=True)
    state_file.unlink(missing_ok=True)
    log(f"stopped {state['base_url']}")


def main(argv: list[str]) -> None:
    if len(argv) == 4 and argv[1] == "permalinks" and argv[3] in ("plain", "pretty"):
        set_permalinks(json.loads(Path(argv[2]).read_text()), argv[3])
        return
    if len(argv) != 3 or argv[1] not in ("up", "down"):
        sys.exit(__doc__)
    state_file = Path(argv[2]).resolve()
    if argv[1] == "up":
        up(state_file)
    else:
        down(state_file)


if __name__ == "__main__":
    main(sys.argv)
