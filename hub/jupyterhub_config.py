"""JupyterHub for the course, as ``make hub`` starts it (``hub/start.py`` sets the environment read here).

Everyone's server is the course's JupyterLab from this checkout's ``.venv`` (dlcore, the nbgrader
extensions). Students' servers run as their system accounts, in their homes, with the Assignments tab
and Validate; the instructor's runs as the owner of this checkout, in it, with the formgrader.
Sign-in is local-only: one class password for students, an admin password for the instructor.
"""

import os
import pwd
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid

REPO = Path(__file__).resolve().parents[1]
HUB = REPO / "hub"
VENV = REPO / ".venv"
BIN = VENV / "bin"
STUDENT_BIN = Path(os.environ["HUB_STUDENT_BIN"])  # the venv's programs, or the same under the system's Python
STATE = Path(os.environ["HUB_STATE"])
PORT = int(os.environ["HUB_PORT"])
COURSE = Path(os.environ["COURSE"]).resolve()
INSTRUCTOR = os.environ["HUB_INSTRUCTOR"]
STUDENTS = set(filter(None, os.environ["HUB_STUDENTS"].split(",")))
# The instructor works as the account that owns the course (the one that ran `make hub`).
COURSE_OWNER = pwd.getpwuid(COURSE.stat().st_uid).pw_name


class CourseSpawner(LocalProcessSpawner):
    """A student's server runs as their account; the instructor's as the course's owner, in the checkout."""

    def account(self) -> str:
        return COURSE_OWNER if self.user.name == INSTRUCTOR else self.user.name

    def programs(self) -> Path:
        return BIN if self.user.name == INSTRUCTOR else STUDENT_BIN

    def make_preexec_fn(self, name):
        if self.user.name != INSTRUCTOR:
            return set_user_setuid(self.account())  # in the student's home
        become_owner = set_user_setuid(self.account(), chdir=False)

        def in_the_checkout():  # where the instructor's terminals start
            become_owner()
            os.chdir(COURSE.parent)
        return in_the_checkout

    def user_env(self, env):
        account = pwd.getpwnam(self.account())
        env.update(USER=account.pw_name, HOME=account.pw_dir, SHELL=account.pw_shell or "/bin/bash")
        return env

    def get_env(self):
        env = super().get_env()
        env["PATH"] = f"{self.programs()}:/usr/local/bin:/usr/bin:/bin"
        env["NBGRADER_EXCHANGE"] = os.environ["NBGRADER_EXCHANGE"]
        if self.user.name == INSTRUCTOR:
            # nbgrader reads the course's configuration; the server's, from the checkout (local MathJax)
            env["JUPYTER_CONFIG_PATH"] = f"{COURSE}:{REPO}"
        else:
            # the course's JupyterLab and extensions, also where the server runs under the system's Python
            env["JUPYTER_CONFIG_PATH"] = f"{HUB / 'student_config'}:{VENV / 'etc' / 'jupyter'}"
            env["JUPYTER_PATH"] = str(VENV / "share" / "jupyter")
            env["JUPYTERLAB_DIR"] = str(VENV / "share" / "jupyter" / "lab")
        return env


c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

# This machine only: the hub, its proxy and its API on 127.0.0.1
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.command = [str(HUB / "node_modules" / ".bin" / "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")

# Local-only sign-in: anyone who knows the class password can sign in as any student, so this hub is for
# one machine or a trusted room. A real course uses its university's sign-in (the instructors' guide).
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = (STATE / "class_password").read_text().strip()
c.SharedPasswordAuthenticator.admin_password = (STATE / "admin_password").read_text().strip()
c.Authenticator.admin_users = {INSTRUCTOR}
c.Authenticator.allowed_users = STUDENTS | {INSTRUCTOR}

c.JupyterHub.spawner_class = CourseSpawner
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120


def course_server(spawner):
    """Everyone runs the course's JupyterLab; the instructor's file browser and terminals open in the checkout,
    where the guides' commands run."""
    spawner.cmd = [str(spawner.programs() / "jupyterhub-singleuser")]
    # Terminals are interactive shells that keep the server's PATH (a login shell would reset it from /etc/profile)
    spawner.args = ["--ServerApp.terminado_settings=shell_command=/bin/bash"]
    if spawner.user.name == INSTRUCTOR:
        spawner.notebook_dir = str(COURSE.parent)
        if COURSE_OWNER == "root":
            spawner.args.append("--allow-root")


c.Spawner.pre_spawn_hook = course_server

# A course's own settings (a real sign-in, its server's address): hub/site_config.py, kept out of git.
if (HUB / "site_config.py").exists():
    load_subconfig(str(HUB / "site_config.py"))  # noqa: F821 - provided by JupyterHub
