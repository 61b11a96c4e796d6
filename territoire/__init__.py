"""territoire"""
