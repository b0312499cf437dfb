"""JupyterHub's configuration for a class of the course (``python -m course class start`` runs
``jupyterhub -f`` this file). What varies per class, `python -m course class setup` wrote into class.json
(COURSE_CLASS_SETTINGS); the README's "Running a class" shows the lines a real deployment changes.
"""
import json
import os
from pathlib import Path

c = get_config()  # noqa: F821  (JupyterHub provides get_config when it loads this file)

room = json.loads(Path(os.environ["COURSE_CLASS_SETTINGS"]).read_text())
root, course, venv = Path(room["root"]), room["course_id"], Path(room["venv"])
hub = root / "hub"
grader = f"grader-{course}"

# Loopback only: a real deployment puts HTTPS in front (c.JupyterHub.ssl_cert / ssl_key, or a reverse proxy).
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = room["port"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = room["ports"]["hub"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{room['ports']['proxy_api']}"
c.ConfigurableHTTPProxy.pid_file = str(hub / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{hub / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server

# Who may log in. The test authenticator: every account of the class, one shared password (class.json).
# --- a real deployment replaces these two lines (README, "Running a class") ---
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = room["password"]
# ---
c.Authenticator.allowed_users = {room["instructor"], *room["students"]}
c.Authenticator.allow_existing_users = False  # the grader account is a hub user (below) but never logs in

# nbgrader's multi-course layout: the course is a service run by its grader account; instructors are in
# formgrade-<course> (which may open the service), students in nbgrader-<course> (which nbgrader's
# JupyterHubAuthPlugin reads to list a student's courses).
c.JupyterHub.load_groups = {
    # The grader account too: the Formgrader asks the hub for its own user's courses, and errors out when that
    # user is unknown to the hub (nbgrader #1872).
    f"formgrade-{course}": {"users": [room["instructor"], grader]},
    f"nbgrader-{course}": {"users": room["students"]},
}
c.JupyterHub.load_roles = [
    {"name": f"formgrade-{course}", "groups": [f"formgrade-{course}"], "scopes": [f"access:services!service={course}"]},
    # A user's server may read its user's groups (the Assignment List asks the hub which courses they take).
    {"name": "server", "scopes": ["users:activity!user", "access:servers!server", "read:users:groups!user"]},
    {"name": f"{course}-grader", "services": [course],
     "scopes": ["list:users", "read:users", "list:groups", "read:groups", f"groups!group=nbgrader-{course}"]},
]

PATH = f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"  # nbgrader runs alembic and jupyter through PATH
SHARED = {"JUPYTER_CONFIG_PATH": str(root / "jupyter"), "NBGRADER_EXCHANGE": str(root / "exchange"), "PATH": PATH}
LAB = ["--SingleUserNotebookApp.default_url=/lab", f"--LabApp.app_settings_dir={root / 'lib' / 'course' / 'lab_settings'}"]

c.JupyterHub.services = [{
    "name": course,
    "url": f"http://127.0.0.1:{room['ports']['service']}",
    "command": [str(venv / "bin" / "jupyterhub-singleuser"), *LAB],
    "user": grader,
    "cwd": str(root / "course"),
    "oauth_no_confirm": True,
    "environment": SHARED | {"PYTHONPATH": str(root / "course" / "lib"),
                             "JUPYTER_CONFIG_PATH": f"{root / 'jupyter-grader'}:{root / 'jupyter'}",
                             **({"COURSE_DB_URL": room["db_url"]} if room["db_url"] else {})},
}]

# Every student's own server: the course's environment, the student-facing package, the shared settings.
c.Spawner.cmd = [str(venv / "bin" / "jupyterhub-singleuser")]
c.Spawner.args = LAB
c.Spawner.environment = SHARED | {"PYTHONPATH": str(root / "lib")}
c.Spawner.notebook_dir = "~"
# A student's server took up to about a minute to start and answer on a busy 2-core machine; leave room.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
