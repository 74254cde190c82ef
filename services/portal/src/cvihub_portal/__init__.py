"""The portal: the web app for outreach workers, hospital teams and coordinators."""
