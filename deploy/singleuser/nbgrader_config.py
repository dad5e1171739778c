# nbgrader settings for everyone's single-user server under JupyterHub.
#
# The course's own settings (course id, what autograde may overwrite, the widget-safe
# executor, feedback without mark schemes) stay in exercises/nbgrader_config.py, which
# nbgrader reads from the course folder set here.
import os
from pathlib import Path

c = get_config()  # noqa: F821 (nbgrader provides get_config when it reads this file)

# An educator's copy of the graded reflections, put in their home folder on first start
# (deploy/singleuser/jupyter_server_config.py).
c.CourseDirectory.root = str(Path.home() / "holding-in-mind" / "exercises")

# Where assignments are released and submitted. On Kubernetes every pod has its own disk,
# so this must be a shared file system mounted in every pod at the same place
# (deploy/values.yaml mounts an NFS volume here). nbgrader keeps learners apart in it with
# Unix permissions: the inbound folder is write-only for everyone but its owner and each
# submission's name ends in random characters, so educators must run with a different user
# id from learners (deploy/jupyterhub_config.py: HOLDING_IN_MIND_EDUCATOR_UID).
c.Exchange.root = os.environ.get("HOLDING_IN_MIND_EXCHANGE", "/srv/nbgrader/exchange")
