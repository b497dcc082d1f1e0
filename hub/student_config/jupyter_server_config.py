"""A student's server on the course hub: the Assignments tab and Validate, without the instructor's tools."""

c = get_config()  # noqa: F821 - provided by Jupyter when it loads this file
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
